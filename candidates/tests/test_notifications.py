"""The emails of the application workflow: for each kind, who gets it, in which language, with
which subject and which key facts, in both the plain-text and the HTML part."""

import datetime

import icalendar
import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from candidates import notifications, reminders, services
from candidates.models import ApplicationEvent
from candidates.tests.factories import ApplicationFactory, ScreeningFactory, candidate, criterion
from candidates.workflow import Status
from portal import doors
from portal.models import OutgoingEmail
from portal.tests.factories import UserFactory, municipal_staff
from programmes.tests.factories import ProgrammeFactory, SessionFactory, TrainingProviderFactory, centre_staff

pytestmark = pytest.mark.django_db

LANGUAGES = ["fr", "en"]
# Month names come from Django's own catalogues: they prove the email was rendered in the
# recipient's language whatever the state of the portal's catalogue.
NOVEMBER = {"fr": "novembre", "en": "November"}


def _(language, msgid, **params):
    """What the portal's catalogue says for ``msgid`` in ``language``, interpolated."""
    with translation.override(language):
        text = gettext(msgid)
    return text % params if params else text


def delivered(mailoutbox, kind):
    """The one email of ``kind`` that reached the backend, with its outbox row."""
    rows = list(OutgoingEmail.objects.filter(kind=kind))
    assert len(rows) == 1, f"expected one {kind} email, got {len(rows)}"
    row = rows[0]
    assert row.status == OutgoingEmail.Status.SENT
    matches = [m for m in mailoutbox if m.extra_headers.get("Message-ID", "").startswith(f"<outbox.{row.pk}.")]
    assert len(matches) == 1
    message = matches[0]
    html = {mimetype: content for content, mimetype in message.alternatives}["text/html"]
    return row, message, message.body, html


def both(text, html, *fragments):
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} missing from the text part"
        assert fragment in html or fragment.replace("'", "&#x27;") in html, f"{fragment!r} missing from the HTML"


def person(language, **kwargs):
    return candidate(user__language=language, user__first_name="Awa", **kwargs)


def november_session(**kwargs):
    return SessionFactory(
        name="Développeur web — Pantin",
        starts_on=datetime.date(2026, 11, 30),
        ends_on=datetime.date(2027, 9, 30),
        applications_close_on=datetime.date(2026, 11, 29),
        **kwargs,
    )


def assert_common(row, message, text, html, user, language):
    assert message.to == [user.email]
    assert row.recipient_user == user and row.language == language
    assert f'<html lang="{language}">' in html
    assert "http://testserver/" in text  # absolute links
    assert 'href="http://testserver/' in html
    # Every email ends with why the recipient gets it, in both parts.
    why = text.rsplit("\n--\n", 1)[1].strip()
    assert len(why) > 60
    assert why.splitlines()[0][:60].replace("'", "&#x27;") in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_application_received(language, mailoutbox, django_capture_on_commit_callbacks):
    user = person(language)
    application = ApplicationFactory(candidate=user, session=november_session())

    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "submit", actor=user)

    row, message, text, html = delivered(mailoutbox, "application_received")
    assert_common(row, message, text, html, user, language)
    assert message.subject == _(language, "Candidature reçue : %(session)s", session="Développeur web — Pantin")
    both(text, html, "Développeur web — Pantin", f"30 {NOVEMBER[language]} 2026", application.session.site.commune)
    assert row.application == application


@pytest.mark.parametrize("language", LANGUAGES)
def test_screening_eligible(language, mailoutbox, django_capture_on_commit_callbacks):
    user = person(language)
    application = ApplicationFactory(candidate=user, submitted=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "mark_eligible")

    row, message, text, html = delivered(mailoutbox, "screening_eligible")
    assert_common(row, message, text, html, user, language)
    assert message.subject == _(language, "Vous êtes éligible : %(session)s", session=application.session.name)
    both(text, html, _(language, "Étapes de sélection :"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_screening_not_eligible_gives_the_reasons_in_the_candidate_language(
    language, mailoutbox, django_capture_on_commit_callbacks
):
    user = person(language)
    application = ApplicationFactory(candidate=user, submitted=True)
    ScreeningFactory(
        application=application,
        outcome="not_eligible",
        criteria=[
            criterion("age", "met", "age.ok", fr="Âge respecté.", en="Age is fine."),
            criterion(
                "residence",
                "not_met",
                "residence.outside",
                fr="Cette formation est réservée aux habitants de : Paris.",
                en="This training is only for residents of: Paris.",
            ),
        ],
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "mark_not_eligible")

    row, message, text, html = delivered(mailoutbox, "screening_not_eligible")
    assert_common(row, message, text, html, user, language)
    assert message.subject == _(
        language, "Votre candidature ne remplit pas les conditions : %(session)s", session=application.session.name
    )
    reason = {
        "fr": "Cette formation est réservée aux habitants de : Paris.",
        "en": "This training is only for residents of: Paris.",
    }
    both(text, html, reason[language])
    assert "Age is fine." not in text and "Âge respecté." not in text  # only the unmet criteria


@pytest.mark.parametrize("language", LANGUAGES)
def test_screening_to_be_checked_says_what_to_send(language, mailoutbox, django_capture_on_commit_callbacks):
    user = person(language)
    application = ApplicationFactory(candidate=user, submitted=True)
    ScreeningFactory(
        application=application,
        outcome="to_be_checked",
        criteria=[
            criterion(
                "job_seeker",
                "to_be_checked",
                "job_seeker.proof_needed",
                fr="Votre ancienneté doit être vérifiée.",
                en="Your registration must be checked.",
                needs=["document:job_seeker_proof"],
            ),
            criterion(
                "age",
                "to_be_checked",
                "age.missing",
                fr="Indiquez votre date de naissance.",
                en="Give your birth date.",
                needs=["birth_date"],
            ),
        ],
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "mark_to_be_checked")

    row, message, text, html = delivered(mailoutbox, "screening_to_be_checked")
    assert_common(row, message, text, html, user, language)
    reasons = {"fr": "Votre ancienneté doit être vérifiée.", "en": "Your registration must be checked."}
    both(
        text,
        html,
        reasons[language],
        _(language, "Attestation d'inscription à France Travail"),
        _(language, "date de naissance"),
    )


def test_screening_email_without_a_stored_screening_still_goes_out(mailoutbox, django_capture_on_commit_callbacks):
    """Staff may decide before any screening ran: the email says so without reasons."""
    application = ApplicationFactory(submitted=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "mark_not_eligible", actor=municipal_staff())

    row, message, text, html = delivered(mailoutbox, "screening_not_eligible")
    assert "Pourquoi" not in text
    assert message.to == [application.candidate.email]


@pytest.mark.parametrize(("language", "kind"), [("fr", "test"), ("en", "interview")])
def test_invitation_has_date_place_what_to_bring_and_an_ics(
    language, kind, mailoutbox, django_capture_on_commit_callbacks
):
    user = person(language)
    application = ApplicationFactory(candidate=user, eligible=True)
    starts_at = timezone.make_aware(datetime.datetime(2026, 11, 26, 14, 30))  # Paris time

    with django_capture_on_commit_callbacks(execute=True):
        services.invite(
            application,
            kind=kind,
            starts_at=starts_at,
            place="LePoleS, 4 rue de la Caravelle, Villeneuve-la-Garenne",
            what_to_bring="Une pièce d'identité et un stylo",
            duration_minutes=90,
            actor=municipal_staff(),
        )

    row, message, text, html = delivered(mailoutbox, f"invitation_{kind}")
    assert_common(row, message, text, html, user, language)
    subject = {"test": "Convocation aux tests le %(date)s", "interview": "Convocation à un entretien le %(date)s"}
    assert message.subject == _(language, subject[kind], date=f"26 {NOVEMBER[language]} 2026")
    both(text, html, "14:30", "LePoleS, 4 rue de la Caravelle", "Une pièce d'identité et un stylo")
    assert {"fr": "jeudi 26 novembre 2026", "en": "Thursday 26 November 2026"}[language] in text

    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == ("convocation.ics", "text/calendar")
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == starts_at
    assert event.decoded("dtend") == starts_at + datetime.timedelta(minutes=90)
    assert "Caravelle" in str(event["location"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_seat_offered_gives_the_deadline(language, mailoutbox, django_capture_on_commit_callbacks):
    user = person(language)
    application = ApplicationFactory(candidate=user, eligible=True)
    deadline = timezone.make_aware(datetime.datetime(2026, 11, 30, 23, 59))

    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "offer_seat", offer_expires_at=deadline)

    row, message, text, html = delivered(mailoutbox, "seat_offered")
    assert_common(row, message, text, html, user, language)
    assert message.subject == _(language, "Une place vous est proposée : %(session)s", session=application.session.name)
    both(text, html, f"30 {NOVEMBER[language]} 2026", "23:59")


@pytest.mark.parametrize("language", LANGUAGES)
def test_waitlist_email_gives_the_position(language, mailoutbox, django_capture_on_commit_callbacks):
    session = SessionFactory()
    ApplicationFactory(session=session, waitlisted=True, priority_score=50)
    ApplicationFactory(session=session, waitlisted=True, priority_score=20)
    ApplicationFactory(session=session, waitlisted=True, priority_score=1)  # behind
    user = person(language)
    application = ApplicationFactory(candidate=user, session=session, eligible=True, priority_score=10)

    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "waitlist")

    row, message, text, html = delivered(mailoutbox, "waitlisted")
    assert_common(row, message, text, html, user, language)
    both(text, html, _(language, "Votre position sur la liste d'attente : %(position)s.", position=3))


@pytest.mark.parametrize("language", LANGUAGES)
def test_refusal_with_a_shared_reason_and_a_message(language, mailoutbox, django_capture_on_commit_callbacks):
    user = person(language)
    application = ApplicationFactory(candidate=user, eligible=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.refuse(
            application,
            reason="test_failed",
            share_reason=True,
            message="Vous pouvez repasser les tests en mars.",
            actor=municipal_staff(),
        )

    row, message, text, html = delivered(mailoutbox, "refusal")
    assert_common(row, message, text, html, user, language)
    assert message.subject == _(language, "Réponse à votre candidature : %(session)s", session=application.session.name)
    both(
        text, html, _(language, "Les résultats aux tests sont insuffisants"), "Vous pouvez repasser les tests en mars."
    )


def test_refusal_reason_stays_internal_unless_shared(mailoutbox, django_capture_on_commit_callbacks):
    application = ApplicationFactory(eligible=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.refuse(application, reason="test_failed", share_reason=False, actor=municipal_staff())

    row, message, text, html = delivered(mailoutbox, "refusal")
    assert "insuffisants" not in text and "insuffisants" not in html
    assert "Motif" not in text


def test_events_without_an_email_queue_nothing(mailoutbox, django_capture_on_commit_callbacks):
    application = ApplicationFactory(seat_offered=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "accept_offer", actor=application.candidate)
    assert not OutgoingEmail.objects.exists()


def test_a_rolled_back_transition_sends_nothing(mailoutbox, django_capture_on_commit_callbacks):
    application = ApplicationFactory()

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom):
        from django.db import transaction

        with transaction.atomic():
            services.transition(application, "submit", actor=application.candidate)
            raise Boom

    assert not OutgoingEmail.objects.exists()
    assert mailoutbox == []


def test_an_anonymised_application_gets_no_email(mailoutbox, django_capture_on_commit_callbacks):
    application = ApplicationFactory(eligible=True, candidate=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "offer_seat", offer_expires_at=timezone.now() + datetime.timedelta(days=7))
    assert not OutgoingEmail.objects.exists()


# --- Reminders -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_offer_reminder_two_days_before_the_deadline_once(language, mailoutbox, django_capture_on_commit_callbacks):
    now = timezone.now()
    user = person(language)
    deadline = timezone.make_aware(datetime.datetime(2026, 11, 30, 18, 0))
    now = deadline - datetime.timedelta(hours=36)
    application = ApplicationFactory(candidate=user, seat_offered=True, offer_expires_at=deadline)
    ApplicationFactory(seat_offered=True, offer_expires_at=deadline + datetime.timedelta(days=5))  # not yet
    ApplicationFactory(
        seat_offered=True, offer_expires_at=deadline, candidate=person("fr", user__receives_reminders=False)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.queue_offer_reminders(now=now) == 1
        reminders.queue_offer_reminders(now=now + datetime.timedelta(hours=1))  # the next hourly run

    row, message, text, html = delivered(mailoutbox, "reminder_offer_expiring")
    assert_common(row, message, text, html, user, language)
    assert row.application == application
    both(text, html, f"30 {NOVEMBER[language]} 2026", "18:00", "http://testserver/compte/preferences/")
    assert message.extra_headers["List-Unsubscribe"] == "<http://testserver/compte/preferences/>"


def test_no_offer_reminder_right_after_a_short_offer(django_capture_on_commit_callbacks):
    application = ApplicationFactory(eligible=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "offer_seat", offer_expires_at=timezone.now() + datetime.timedelta(hours=30))
    assert reminders.queue_offer_reminders() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_session_start_reminder(language, mailoutbox, django_capture_on_commit_callbacks):
    session = november_session()
    user = person(language)
    ApplicationFactory(candidate=user, session=session, status=Status.SEAT_ACCEPTED, submitted_at=timezone.now())
    ApplicationFactory(session=session, waitlisted=True)  # not coming
    ApplicationFactory(
        session=session,
        status=Status.ENROLLED,
        submitted_at=timezone.now(),
        candidate=person("fr", user__receives_reminders=False),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.queue_session_start_reminders(today=datetime.date(2026, 11, 28)) == 1
        assert reminders.queue_session_start_reminders(today=datetime.date(2026, 11, 29)) == 0  # once
    assert reminders.queue_session_start_reminders(today=datetime.date(2026, 11, 20)) == 0  # too early

    row, message, text, html = delivered(mailoutbox, "reminder_session_start")
    assert_common(row, message, text, html, user, language)
    assert message.subject == _(
        language, "Rappel : votre formation commence le %(date)s", date=f"30 {NOVEMBER[language]}"
    )
    both(text, html, session.site.address, session.site.commune)


@pytest.mark.parametrize("language", LANGUAGES)
def test_session_dates_changed_reaches_active_applicants(language, mailoutbox, django_capture_on_commit_callbacks):
    session = november_session()
    user = person(language)
    ApplicationFactory(candidate=user, session=session, eligible=True)
    ApplicationFactory(session=session, status=Status.WITHDRAWN, submitted_at=timezone.now())  # gone

    session.starts_on = datetime.date(2026, 12, 7)
    session.ends_on = datetime.date(2027, 10, 7)
    with doors.service_write():  # arrange: what the seat service writes before it notifies
        session.save()
    with django_capture_on_commit_callbacks(execute=True):
        count = notifications.notify_session_dates_changed(
            session, previous_starts_on=datetime.date(2026, 11, 30), previous_ends_on=datetime.date(2027, 9, 30)
        )
        assert count == 1
    row, message, text, html = delivered(mailoutbox, "session_dates_changed")
    assert_common(row, message, text, html, user, language)
    both(text, html, f"30 {NOVEMBER[language]} 2026", "7 " + {"fr": "décembre", "en": "December"}[language] + " 2026")


# --- Digests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_municipal_digest_counts_new_applications_per_programme(
    language, mailoutbox, django_capture_on_commit_callbacks
):
    agent = municipal_staff(language=language)
    municipal_staff(receives_digests=False)
    UserFactory(is_staff=False)  # not staff
    paris_code = ProgrammeFactory(name="Paris Code saison 2")
    pop = ProgrammeFactory(name="POP School")
    for _i in range(3):
        ApplicationFactory(session=SessionFactory(programme=paris_code), submitted=True)
    ApplicationFactory(session=SessionFactory(programme=pop), status=Status.TO_BE_CHECKED, submitted_at=timezone.now())
    ProgrammeFactory(name="Programme sans candidature")

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.queue_staff_digests() == 1

    row, message, text, html = delivered(mailoutbox, "digest_municipal")
    assert_common(row, message, text, html, agent, language)
    assert "Paris Code saison 2 : 3" in text.replace("\xa0", " ")
    assert '<td>Paris Code saison 2</td><td align="right">3</td>' in html
    assert "POP School" in text and "Programme sans candidature" not in text
    assert "http://testserver/admin/candidates/application/" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_centre_digest_lists_changes_on_their_sessions_only(language, mailoutbox, django_capture_on_commit_callbacks):
    provider = TrainingProviderFactory(name="LePoleS")
    member = centre_staff(provider, user__language=language)
    centre_staff(provider, user__receives_digests=False)
    other_member = centre_staff(TrainingProviderFactory(name="Simplon"))
    session = SessionFactory(site__provider=provider, name="Ma 6T Va Coder — Pantin")
    for _i in range(2):
        application = ApplicationFactory(session=session, submitted=True)
        services.transition(application, "mark_eligible")
    services.transition(ApplicationFactory(session=session, submitted=True), "mark_not_eligible")  # not theirs to see
    # Where the session stands: one offer awaiting an answer by tomorrow, one accepted, one waiting.
    ApplicationFactory(session=session, seat_offered=True, offer_expires_at=timezone.now() + datetime.timedelta(days=1))
    ApplicationFactory(session=session, seat_accepted=True)
    ApplicationFactory(session=session, waitlisted=True)

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.queue_staff_digests() == 1

    row, message, text, html = delivered(mailoutbox, "digest_centre")
    assert_common(row, message, text, html, member, language)
    assert message.subject == _(language, "Récapitulatif du jour : vos sessions (%(provider)s)", provider="LePoleS")
    both(text, html, "Ma 6T Va Coder — Pantin", f"{_(language, 'Éligible')} : 2")
    seats = _(
        language,
        "Places : %(capacity)s — proposées %(offered)s, acceptées %(accepted)s, libres %(left)s ; "
        "liste d'attente : %(waiting)s",
        capacity=session.capacity,
        offered=1,
        accepted=1,
        left=session.capacity - 2,
        waiting=1,
    )
    with translation.override(language):
        closing = ngettext(
            "%(count)s proposition attend une réponse d'ici deux jours",
            "%(count)s propositions attendent une réponse d'ici deux jours",
            1,
        ) % {"count": 1}
    both(text, html, seats, closing)
    assert _(language, "Non éligible") not in text
    assert not OutgoingEmail.objects.filter(recipient=other_member.email).exists()


def test_digests_are_queued_once_a_day(django_capture_on_commit_callbacks):
    municipal_staff()
    ApplicationFactory(submitted=True)
    now = timezone.now()
    assert reminders.queue_staff_digests(now=now) == 1
    reminders.queue_staff_digests(now=now + datetime.timedelta(minutes=5))
    assert OutgoingEmail.objects.filter(kind="digest_municipal").count() == 1


def test_nothing_to_report_sends_no_digest():
    municipal_staff()
    centre_staff(TrainingProviderFactory())
    assert reminders.queue_staff_digests() == 0


def test_event_keys_make_notify_transition_idempotent():
    application = ApplicationFactory()
    result = services.transition(application, "submit", actor=application.candidate)
    event = ApplicationEvent.objects.get(pk=result.event.pk)
    notifications.notify_transition(event)  # a replay
    assert OutgoingEmail.objects.filter(kind="application_received").count() == 1


@pytest.mark.parametrize("count", [2, 20])
def test_batch_notifications_take_a_constant_number_of_queries(count, django_assert_max_num_queries):
    """The bulk re-screening queues its emails with notify_transitions."""
    ids = [services.transition(ApplicationFactory(submitted=True), "mark_eligible").event.pk for _i in range(count)]
    OutgoingEmail.objects.all().delete()
    events = list(
        ApplicationEvent.objects.filter(pk__in=ids).select_related(
            "application__candidate", "application__session__programme", "application__session__site"
        )
    )

    with django_assert_max_num_queries(6):
        assert notifications.notify_transitions(events) == count
    assert notifications.notify_transitions(events) == 0  # replayed: nothing new
    assert OutgoingEmail.objects.filter(kind="screening_eligible").count() == count
