"""« Facile à lire et à comprendre » (FALC): every criterion, reason and status has its FALC text;
the switch on every page is remembered (preferences when signed in, the session otherwise); the
candidate's pages, the session's conditions (staff may write them) and the emails follow it: the
main ones, the reminders and follow-up forms, and the digests of the staff and advisers who chose it
(the preference is the recipient's)."""

import datetime
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from candidates import follow_up, presentation, reminders, services
from candidates.advisers import emails as adviser_emails
from candidates.models import Application
from candidates.tests.factories import (
    AdviserOrganisationFactory,
    ApplicationFactory,
    ScreeningFactory,
    TraineeFollowUpFactory,
    adviser,
    application_in,
    candidate,
    criterion,
    oriented_application,
)
from candidates.workflow import Status
from portal import easy_read
from portal.models import OutgoingEmail
from portal.tests.factories import municipal_staff
from programmes import eligibility
from programmes.models import EligibilityRuleSet
from programmes.tests.factories import (
    EligibilityRuleSetFactory,
    ProgrammeFactory,
    SessionFactory,
    TrainingProviderFactory,
    centre_staff,
)

pytestmark = pytest.mark.django_db
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TOGGLE = reverse("easy_read_toggle")


def test_every_status_criterion_and_reason_has_a_falc_text():
    assert set(presentation.EASY_READ_STATUS_LABELS) == set(Status)
    assert set(presentation.EASY_READ_NEXT_STEPS) == set(Status)
    assert set(eligibility.EASY_READ_CRITERIA) == set(eligibility.CRITERIA)
    assert set(eligibility.EASY_READ_MESSAGES) == set(eligibility.MESSAGES)
    for code, falc in eligibility.EASY_READ_MESSAGES.items():
        # The FALC text takes the same parameters as the usual one (never one it would lack).
        assert set(PLACEHOLDER.findall(falc)) <= set(PLACEHOLDER.findall(eligibility.MESSAGES[code])), code
        assert falc != eligibility.MESSAGES[code], code


def test_falc_sentences_are_short():
    """FALC: short sentences, one idea each (a rough bound: no sentence over 25 words)."""
    texts = [
        *eligibility.EASY_READ_MESSAGES.values(),
        *(text for pair in eligibility.EASY_READ_CRITERIA.values() for text in pair),
        *map(str, presentation.EASY_READ_STATUS_LABELS.values()),
        *map(str, presentation.EASY_READ_NEXT_STEPS.values()),
    ]
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            assert len(sentence.split()) <= 25, sentence


def test_an_anonymous_visitor_switches_and_the_session_remembers(client):
    home = client.get("/").content.decode()
    assert "Facile à lire" in home and "Texte habituel" not in home
    response = client.post(TOGGLE, {"next": "/facile-a-lire/"})
    assert response.status_code == 302 and response["Location"] == "/facile-a-lire/"
    assert client.session[easy_read.SESSION_KEY] is True
    assert "Texte habituel" in client.get("/").content.decode()
    client.post(TOGGLE, {"next": "/"})
    assert client.session[easy_read.SESSION_KEY] is False


def test_the_switch_goes_back_only_to_this_site(client):
    response = client.post(TOGGLE, {"next": "https://example.com/"})
    assert response["Location"] == "/"
    assert client.get(TOGGLE).status_code == 405  # a GET changes nothing


def test_a_candidate_switches_and_it_is_kept_in_the_preferences(client):
    user = candidate()
    client.force_login(user)
    client.post(TOGGLE, {"next": "/"})
    user.refresh_from_db()
    assert user.prefers_easy_read is True
    form = client.get(reverse("preferences")).context["form"]
    assert form["prefers_easy_read"].value() is True
    # A new session (another device) finds it too.
    client.logout()
    client.force_login(user)
    assert "Texte habituel" in client.get("/").content.decode()


def test_the_candidate_reads_statuses_and_reasons_in_falc(client):
    user = candidate(user__prefers_easy_read=True)
    application = application_in(Status.NOT_ELIGIBLE, candidate=user)
    ScreeningFactory(
        application=application,
        outcome="not_eligible",
        criteria=[
            {
                **criterion("age", "not_met", "age.too_old", fr="Trop âgé.", en="Too old."),
                "params": {"max_age": 25, "age": 31},
            }
        ],
    )
    client.force_login(user)
    page = client.get(reverse("candidates:application_detail", args=[application.reference])).content.decode()
    assert str(presentation.EASY_READ_STATUS_LABELS[Status.NOT_ELIGIBLE]).replace("'", "&#x27;") in page
    assert "Il faut avoir 25 ans ou moins au début de la formation. Vous aurez 31 ans." in page
    listing = client.get(reverse("candidates:application_list")).content.decode()
    assert str(presentation.EASY_READ_NEXT_STEPS[Status.NOT_ELIGIBLE]) in listing


def test_the_session_conditions_in_falc_written_by_staff_or_by_the_portal(client):
    session = SessionFactory()
    EligibilityRuleSetFactory(programme=session.programme, max_age=25, job_seeker_required=True)
    client.post(TOGGLE, {"next": "/"})
    page = client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "Vous avez 25 ans ou moins au début de la formation." in page
    assert "Vous êtes inscrit à France Travail." in page
    assert "Avoir au plus 25 ans" not in page
    # Staff write their own FALC text with the rules, as a new version.
    rule_set = EligibilityRuleSet.objects.current_for(session)
    agent = municipal_staff()
    agent.user_permissions.add(*Permission.objects.filter(codename__in=["change_eligibilityruleset"]))
    staff = client.__class__()
    staff.force_login(agent)
    form = staff.get(reverse("admin:programmes_eligibilityruleset_change", args=[rule_set.pk]))
    assert 'name="easy_read_conditions"' in form.content.decode()
    from programmes import rules

    rule_set.easy_read_conditions = "Vous avez moins de 26 ans.\n\nVous cherchez un travail."
    rules.save_new_version(rule_set, actor=agent, comment="FALC")
    page = client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "<li>Vous avez moins de 26 ans.</li><li>Vous cherchez un travail.</li>" in page
    # Readers of the usual texts still read them.
    usual = client.__class__().get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "Avoir au plus 25 ans au début de la formation." in usual


def test_the_main_emails_in_falc(mailoutbox, django_capture_on_commit_callbacks):
    user = candidate(user__prefers_easy_read=True, user__language="fr")
    application = ApplicationFactory(candidate=user, submitted=True)
    ScreeningFactory(
        application=application,
        outcome="not_eligible",
        criteria=[
            {
                **criterion("residence", "not_met", "residence.outside", fr="Réservée à Paris.", en="Paris only."),
                "params": {"places": "Paris", "where": "Lyon"},
            }
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "mark_not_eligible")
    row = OutgoingEmail.objects.get(kind="screening_not_eligible")
    assert "Pour le moment, cette formation n'est pas pour vous." in row.body_text
    assert "Cette formation est pour les personnes qui habitent ici : Paris. Vous habitez : Lyon." in row.body_text
    assert "Pour le moment, cette formation n'est pas pour vous." in row.body_html.replace("&#x27;", "'")


def test_the_usual_emails_for_the_others(mailoutbox, django_capture_on_commit_callbacks):
    application = ApplicationFactory(candidate=candidate(user__language="fr"), submitted=True)
    ScreeningFactory(application=application, outcome="not_eligible", criteria=[])
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "mark_not_eligible")
    row = OutgoingEmail.objects.get(kind="screening_not_eligible")
    assert "ne remplit pas, pour l'instant, les conditions" in row.body_text


def test_the_falc_guide_lists_every_criterion_and_status(client):
    page = client.get(reverse("candidates:easy_read")).content.decode()
    for code in eligibility.CRITERIA:
        assert f'data-criterion="{code}"' in page
    for status in Status:
        assert f'data-status="{status.value}"' in page
    assert "Facile à lire : comprendre votre candidature" in client.get("/").content.decode()  # in the footer


# --- The emails in FALC -----------------------------------------------------------------------

# Every email with a FALC version (``templates/emails/easy_read/``): the candidates' main emails,
# their reminders and follow-up forms, and the staff's and advisers' digests (the preference is
# the recipient's, whoever they are).
EASY_READ_EMAILS = [
    "application_received",
    "screening_eligible",
    "screening_not_eligible",
    "screening_to_be_checked",
    "invitation",
    "seat_offered",
    "refusal",
    "reminder_offer_expiring",
    "reminder_session_start",
    "follow_up_survey",
    "digest_municipal",
    "digest_centre",
    "digest_adviser",
]
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"
TAG = re.compile(r"{%\s*(.*?)\s*%}")
VARIABLE = re.compile(r"{{\s*([\w.]+)")


def context_names(source):
    """The names a template reads from its context (the roots of its variables and expressions),
    without its own names (loop variables; ``with``/``count`` aliases, read inside their block)."""
    variables, expressions, aliases, loops = {v.split(".")[0] for v in VARIABLE.findall(source)}, set(), set(), set()
    for tag in TAG.findall(source):
        words = tag.split()
        if words[0] in ("if", "elif"):
            expressions |= {w.split(".")[0] for w in words[1:] if re.fullmatch(r"[a-z_][\w.]*", w)}
            expressions -= {"and", "or", "not", "in"}
        elif words[0] == "for":
            loops.add(words[1])
            expressions.add(words[3].split(".")[0])
        for alias, expression in re.findall(r"(\w+)=([\w.]+)", tag):
            aliases.add(alias)
            expressions.add(expression.split(".")[0])
    return ((variables - aliases) | expressions) - loops


def test_every_falc_email_exists_and_reads_only_what_the_usual_one_is_given():
    for template in EASY_READ_EMAILS:
        for extension in ("txt", "html"):
            falc = (TEMPLATES / "easy_read" / f"{template}.{extension}").read_text()
            # What the email is given: what its usual text and subject read.
            usual = (TEMPLATES / f"{template}.{extension}").read_text()
            usual += (TEMPLATES / f"{template}_subject.txt").read_text()
            assert context_names(falc) <= context_names(usual), (template, extension)
    assert {path.stem for path in (TEMPLATES / "easy_read").glob("*.txt")} == set(EASY_READ_EMAILS)


def falc_sentences(text):
    """The sentences of an email's body (before the « why you get this » footer)."""
    body = text.split("\n--\n")[0]
    return [s for line in body.splitlines() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip()]


def falc_email(kind):
    row = OutgoingEmail.objects.get(kind=kind)
    html = row.body_html.replace("&#x27;", "'")
    for sentence in falc_sentences(row.body_text):
        assert len(sentence.split()) <= 25, sentence
    return row.body_text, html


def both_parts(text, html, *fragments):
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} missing from the text part"
        assert fragment in html, f"{fragment!r} missing from the HTML part"


def falc_reader(**kwargs):
    return candidate(user__prefers_easy_read=True, user__language="fr", user__first_name="Awa", **kwargs)


def test_the_offer_reminder_in_falc(django_capture_on_commit_callbacks):
    deadline = timezone.make_aware(datetime.datetime(2026, 11, 30, 18, 0))
    ApplicationFactory(
        candidate=falc_reader(), seat_offered=True, offer_expires_at=deadline, session__name="Développeur web"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.queue_offer_reminders(now=deadline - datetime.timedelta(hours=36)) == 1
    text, html = falc_email("reminder_offer_expiring")
    both_parts(
        text,
        html,
        "Il y a une place pour vous dans la formation « Développeur web ».",
        "Vous n'avez pas encore répondu.",
        "Répondez avant le lundi 30 novembre 2026 à 18:00.",
        "Si vous ne répondez pas, la place va à une autre personne.",
    )
    assert "sans réponse, la place sera proposée" not in text  # not the usual text


def test_the_session_start_reminder_in_falc(django_capture_on_commit_callbacks):
    session = SessionFactory(name="Développeur web", starts_on=datetime.date(2026, 11, 30))
    ApplicationFactory(
        candidate=falc_reader(), session=session, status=Status.SEAT_ACCEPTED, submitted_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.queue_session_start_reminders(today=datetime.date(2026, 11, 28)) == 1
    text, html = falc_email("reminder_session_start")
    both_parts(
        text,
        html,
        "Votre formation « Développeur web » commence bientôt.",
        "Le premier jour est le lundi 30 novembre 2026.",
        session.site.address,
        "Vous ne pouvez plus venir ?",
        "Prévenez vite le centre de formation.",
    )


def test_the_follow_up_form_and_its_reminder_in_falc(django_capture_on_commit_callbacks):
    today = timezone.localdate()
    session = SessionFactory(
        name="Développeur web",
        applications_open_on=today - datetime.timedelta(days=400),
        applications_close_on=today - datetime.timedelta(days=320),
        starts_on=today - datetime.timedelta(days=300),
        ends_on=today - datetime.timedelta(days=1),
    )
    TraineeFollowUpFactory(application=application_in(Status.ENROLLED, session=session, candidate=falc_reader()))
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_up.queue_surveys(now=now) == 1
    text, html = falc_email("follow_up_sortie")
    both_parts(
        text,
        html,
        "Votre formation « Développeur web » est finie.",
        "Nous avons 3 questions pour vous.",
        "Nous ne montrons vos réponses à personne.",
        "Vous n'avez pas besoin de mot de passe.",
    )
    assert "/mon-parcours/" in text and "Nous n'avons pas encore votre réponse." not in text
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_up.queue_surveys(now=now + datetime.timedelta(days=7, hours=1)) == 1
    text, html = falc_email("follow_up_sortie_reminder")
    both_parts(text, html, "Nous n'avons pas encore votre réponse.", "Nous avons 3 questions pour vous.")


def test_the_municipal_digest_in_falc_for_the_agent_who_chose_it(django_capture_on_commit_callbacks):
    agent = municipal_staff(prefers_easy_read=True, language="fr")
    usual_agent = municipal_staff(language="fr")
    programme = ProgrammeFactory(name="Paris Code saison 2")
    for _i in range(3):
        ApplicationFactory(session=SessionFactory(programme=programme), submitted=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.queue_staff_digests() == 2
    row = OutgoingEmail.objects.get(kind="digest_municipal", recipient_user=agent)
    html = row.body_html.replace("&#x27;", "'")
    both_parts(
        row.body_text,
        html,
        "Les chiffres sont donnés pour chaque programme.",
        "3 nouvelles candidatures.",
        "3 candidatures à regarder.",
    )
    assert "Paris Code saison 2" in row.body_text and "Paris Code saison 2" in html
    usual = OutgoingEmail.objects.get(kind="digest_municipal", recipient_user=usual_agent)
    assert "Candidatures à instruire, par programme" in usual.body_text
    assert "candidatures à regarder" not in usual.body_text


def test_the_centre_digest_in_falc_for_the_member_who_chose_it(django_capture_on_commit_callbacks):
    provider = TrainingProviderFactory(name="LePoleS")
    centre_staff(provider, user__prefers_easy_read=True, user__language="fr")
    session = SessionFactory(site__provider=provider, name="Ma 6T Va Coder — Pantin", capacity=12)
    services.transition(ApplicationFactory(session=session, submitted=True), "mark_eligible")
    ApplicationFactory(session=session, seat_offered=True, offer_expires_at=timezone.now() + datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.queue_staff_digests() == 1
    text, html = falc_email("digest_centre")
    both_parts(
        text,
        html,
        "Ma 6T Va Coder — Pantin",
        "Nombre de places : 12.",
        "Places proposées : 1.",
        "Places libres : 11.",
        "1 personne doit répondre dans les deux jours.",
    )
    assert "liste d'attente : 0." in text.replace("\xa0", " ")


def test_the_adviser_digest_in_falc_for_the_adviser_who_chose_it():
    organisation = AdviserOrganisationFactory(name="Mission locale de Pantin")
    sophie = adviser(organisation, user__first_name="Sophie", user__prefers_easy_read=True, user__language="fr")
    draft = oriented_application(Status.DRAFT, organisation=organisation, by=sophie)
    offered = oriented_application(Status.SEAT_OFFERED, organisation=organisation, by=sophie)
    now = timezone.now()
    Application.objects.filter(pk=draft.pk).update(updated_at=now - datetime.timedelta(days=8))
    Application.objects.filter(pk=offered.pk).update(offer_expires_at=now + datetime.timedelta(days=1))
    assert adviser_emails.queue_weekly_digests(now=now) == 1
    text, html = falc_email("digest_adviser")
    both_parts(
        text,
        html,
        "Ces personnes ont besoin de votre aide.",
        draft.candidate.get_full_name(),
        "La candidature n'est pas encore envoyée.",
        offered.candidate.get_full_name(),
        "Il y a une place pour cette personne.",
        "Elle doit répondre avant le",
    )
    assert "coup de pouce" not in text
