"""My applications: list, detail (timeline, next steps, messages), the candidate's actions, and the
one document download view, with permissions for every role."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import ApplicationEvent, ApplicationMessage, Appointment
from candidates.services import transition
from candidates.tests.factories import (
    ApplicationDocumentFactory,
    ApplicationFactory,
    AppointmentFactory,
    application_in,
    ready_to_send,
)
from candidates.workflow import Actor, Status
from programmes.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def detail_url(application):
    return reverse("candidates:application_detail", args=[application.reference])


def action_url(application, action):
    return reverse("candidates:application_action", args=[application.reference, action])


@pytest.fixture
def sent(roles, open_session):
    """The candidate's application, sent, screened eligible, invited to a test, with messages."""
    application = ready_to_send(candidate=roles["candidate"], session=open_session)
    transition(application, "submit", actor=roles["candidate"])
    transition(application, "mark_eligible", actor=None, reason="Critères remplis")
    AppointmentFactory(
        application=application,
        kind=Appointment.Kind.TEST,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        place="4 rue de la Caravelle, Villeneuve-la-Garenne",
        what_to_bring="Une pièce d'identité et un stylo",
    )
    transition(application, "invite_to_test", actor=roles["municipal_staff"])
    ApplicationMessage.objects.create(
        application=application, visibility="to_candidate", body="Pensez à venir 10 minutes en avance."
    )
    ApplicationMessage.objects.create(
        application=application, visibility="internal", body="Profil très motivé, note interne"
    )
    return application


def test_list_shows_each_application_with_its_status(client, roles, sent):
    draft = ApplicationFactory(candidate=roles["candidate"], session=SessionFactory(name="Cybersécurité — Pantin"))
    ApplicationFactory(session=sent.session)  # someone else's
    client.force_login(roles["candidate"])

    response = client.get(reverse("candidates:application_list"))

    content = response.content.decode()
    # The sent application is a wish (ranked with the programme's others), the draft not yet.
    [ranking] = response.context["rankings"]
    assert [row["application"].pk for row in ranking["rows"]] == [sent.pk]
    assert [row["application"].pk for row in response.context["rows"]] == [draft.pk]
    assert "Vœu n° 1 sur 1" in content
    assert "Convoqué(e) aux tests" in content  # the status in the candidate's words
    assert "Reprendre" in content
    assert reverse("candidates:apply_step", args=[draft.reference, "profile"]) in content


@pytest.mark.parametrize("count", [1, 12])
def test_list_query_count_does_not_grow(client, django_assert_max_num_queries, roles, count):
    for _index in range(count):
        application_in(Status.SUBMITTED, candidate=roles["candidate"])
    client.force_login(roles["candidate"])
    with django_assert_max_num_queries(9):
        assert client.get(reverse("candidates:application_list")).status_code == 200


def test_detail_timeline_next_steps_and_messages(client, roles, sent):
    client.force_login(roles["candidate"])

    content = client.get(detail_url(sent)).content.decode()

    assert "Vous avez envoyé votre candidature." in content
    assert "Vous remplissez les conditions" in content
    assert "Vous êtes convoqué(e) aux tests." in content
    assert "4 rue de la Caravelle, Villeneuve-la-Garenne" in content
    assert "Une pièce d&#x27;identité et un stylo" in content
    assert "Pensez à venir 10 minutes en avance." in content
    assert "note interne" not in content
    assert "Retirer ma candidature" in content


def test_detail_query_count_does_not_grow_with_history(client, django_assert_max_num_queries, roles, sent):
    for _index in range(10):
        ApplicationEvent.objects.create(application=sent, transition="note", to_status=sent.status, actor_role="system")
        ApplicationMessage.objects.create(application=sent, visibility="to_candidate", body="Message")
    client.force_login(roles["candidate"])
    with django_assert_max_num_queries(13):
        assert client.get(detail_url(sent)).status_code == 200


def test_withdraw_asks_then_withdraws_once(client, roles, sent, django_capture_on_commit_callbacks):
    client.force_login(roles["candidate"])

    confirm = client.get(action_url(sent, "withdraw"))
    assert "Voulez-vous vraiment retirer votre candidature" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(action_url(sent, "withdraw"), follow=True)
    again = client.post(action_url(sent, "withdraw"), follow=True)

    sent.refresh_from_db()
    assert sent.status == Status.WITHDRAWN
    assert "Votre candidature est retirée." in done.content.decode()
    assert "déjà fait" in again.content.decode()
    assert sent.events.filter(transition="withdraw", actor_role=Actor.CANDIDATE).count() == 1


def test_accept_an_open_offer(client, roles, open_session):
    application = application_in(Status.SEAT_OFFERED, candidate=roles["candidate"], session=open_session)
    client.force_login(roles["candidate"])

    assert "Répondez avant le" in client.get(detail_url(application)).content.decode()
    client.post(action_url(application, "accept_offer"))

    application.refresh_from_db()
    assert application.status == Status.SEAT_ACCEPTED


def test_decline_an_offer_releases_the_seat(client, roles, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=1)
    application = application_in(Status.SEAT_OFFERED, candidate=roles["candidate"], session=session)
    next_in_line = application_in(Status.WAITLISTED, session=session)
    client.force_login(roles["candidate"])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(action_url(application, "decline_offer"))

    application.refresh_from_db()
    next_in_line.refresh_from_db()
    assert application.status == Status.OFFER_DECLINED
    assert application.offer_expires_at is None
    assert next_in_line.status == Status.SEAT_OFFERED


def test_an_expired_offer_can_no_longer_be_accepted(client, roles, open_session):
    application = application_in(
        Status.SEAT_OFFERED,
        candidate=roles["candidate"],
        session=open_session,
        offer_expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    client.force_login(roles["candidate"])

    assert "Accepter la place" not in client.get(detail_url(application)).content.decode()
    response = client.post(action_url(application, "accept_offer"), follow=True)

    assert "Le délai pour répondre à cette proposition est dépassé." in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.SEAT_OFFERED


def test_an_action_that_is_not_possible_is_explained(client, roles, open_session):
    application = application_in(Status.ELIGIBLE, candidate=roles["candidate"], session=open_session)
    client.force_login(roles["candidate"])

    response = client.post(action_url(application, "accept_offer"), follow=True)

    assert "n&#x27;est pas possible" in response.content.decode() or "n'est pas possible" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE


@pytest.mark.parametrize(
    "role", ["anonymous", "other_candidate", "own_centre_staff", "other_centre_staff", "municipal_staff"]
)
def test_others_cannot_see_or_act_on_an_application(client, roles, sent, role):
    if roles[role]:
        client.force_login(roles[role])
    expected = 302 if role == "anonymous" else 404
    for url in (detail_url(sent), action_url(sent, "withdraw"), reverse("candidates:application_list")):
        if url == reverse("candidates:application_list") and role == "other_candidate":
            assert sent.session.name not in client.get(url).content.decode()
            continue
        assert client.get(url).status_code == expected, (role, url)
    assert client.post(action_url(sent, "withdraw")).status_code == expected
    sent.refresh_from_db()
    assert sent.status == Status.INVITED_TO_TEST


# --- Documents ---------------------------------------------------------------------------------

DOWNLOAD_EXPECTATIONS = {
    # role: (draft, submitted, eligible)
    "anonymous": (302, 302, 302),
    "candidate": (200, 200, 200),
    "other_candidate": (404, 404, 404),
    "own_centre_staff": (404, 404, 200),
    "other_centre_staff": (404, 404, 404),
    "municipal_staff": (404, 200, 200),
    "plain_user": (404, 404, 404),
}


@pytest.mark.parametrize("role", sorted(DOWNLOAD_EXPECTATIONS))
def test_document_download_permissions(client, roles, open_session, role):
    documents = [
        ApplicationDocumentFactory(application=application_in(status, candidate=roles["candidate"], session=session))
        for status, session in (
            (Status.DRAFT, SessionFactory(site=open_session.site)),
            (Status.SUBMITTED, SessionFactory(site=open_session.site)),
            (Status.ELIGIBLE, open_session),
        )
    ]
    if roles[role]:
        client.force_login(roles[role])

    codes = tuple(client.get(reverse("candidates:document_download", args=[d.pk])).status_code for d in documents)

    assert codes == DOWNLOAD_EXPECTATIONS[role]


def test_document_download_streams_the_file_as_an_attachment(client, roles, open_session):
    document = ApplicationDocumentFactory(application__candidate=roles["candidate"], application__session=open_session)
    client.force_login(roles["candidate"])

    response = client.get(reverse("candidates:document_download", args=[document.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="cv-{document.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_detail_explains_why_it_is_to_be_checked(client, roles, open_session, django_capture_on_commit_callbacks):
    from programmes.tests.factories import EligibilityRuleSetFactory

    EligibilityRuleSetFactory(programme=open_session.programme, min_job_seeker_months=6)
    application = ready_to_send(candidate=roles["candidate"], session=open_session)
    with django_capture_on_commit_callbacks(execute=True):
        transition(application, "submit", actor=roles["candidate"])
    application.refresh_from_db()
    assert application.status == Status.TO_BE_CHECKED
    client.force_login(roles["candidate"])

    content = client.get(detail_url(application)).content.decode()

    assert "attestation d&#x27;inscription" in content or "attestation d'inscription" in content
