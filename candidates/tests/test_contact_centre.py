"""Walk-through majors 4 and 5: the candidate reaches the centre (« je ne pourrai pas venir » or
a question) from the application page; the message lands in the centre space and the admin and is
emailed through the outbox; the centre's contact is on the session and application pages and in
invitations, with the site's full address (email, .ics, page)."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import ApplicationMessage
from candidates.tests.factories import ApplicationFactory, AppointmentFactory, application_in, candidate
from candidates.workflow import Status
from portal.models import OutgoingEmail
from portal.tests.factories import municipal_staff
from programmes.tests.factories import SessionFactory, TrainingProviderFactory, centre_staff

pytestmark = pytest.mark.django_db


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def session():
    return SessionFactory(
        name="Ma 6T Va Coder Pantin",
        site__name="LePoleS Pantin",
        site__address="Rue Denis Papin",
        site__postcode="93500",
        site__commune="Pantin",
        site__contact_phone="01 99 00 00 02",
        site__contact_email="candidatures@lepoles.example.org",
        site__provider__name="LePoleS",
    )


@pytest.fixture
def invited(session):
    user = candidate(user__first_name="Nadia", user__last_name="Benali")
    appointment = AppointmentFactory(
        application__candidate=user, application__session=session, place="LePoleS Pantin, Rue Denis Papin, 93500 Pantin"
    )
    return appointment


def test_the_candidate_says_they_cannot_come_and_the_centre_is_told(
    client, invited, session, django_capture_on_commit_callbacks, mailoutbox
):
    application = invited.application
    manager = centre_staff(session.site.provider)
    client.force_login(application.candidate)

    detail = text(client.get(reverse("candidates:application_detail", args=[application.reference])))
    assert "01 99 00 00 02" in detail and "candidatures@lepoles.example.org" in detail
    assert "LePoleS Pantin" in detail and "93500 Pantin" in detail
    link = f"{reverse('candidates:write_to_centre', args=[application.reference])}?sujet=cannot_attend&rendez-vous={invited.pk}"
    assert link in detail

    form_page = client.get(link)
    assert form_page.context["form"]["topic"].value() == "cannot_attend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("candidates:write_to_centre", args=[application.reference]),
            {"topic": "cannot_attend", "appointment": invited.pk, "body": "J'ai un rendez-vous médical ce jour-là."},
        )
    assert response.status_code == 302

    message = ApplicationMessage.objects.get(application=application)
    assert (message.visibility, message.topic, message.appointment) == ("from_candidate", "cannot_attend", invited)
    email = OutgoingEmail.objects.get(kind="message_from_candidate")
    assert email.recipient_user == manager
    assert email.subject == "Nadia Benali ne pourra pas venir : Ma 6T Va Coder Pantin"
    assert "J'ai un rendez-vous médical ce jour-là." in email.body_text
    assert application.candidate.email in email.body_text
    assert f"/centre/candidatures/{application.pk}/" in email.body_text or "/centre/" in email.body_text
    assert [m.to for m in mailoutbox] == [[manager.email]]

    # On the candidate's page, in the centre space and in the admin.
    assert "Vous avez écrit" in text(client.get(reverse("candidates:application_detail", args=[application.reference])))
    client.force_login(manager)
    centre_page = text(client.get(reverse("centre:application_detail", args=[application.pk])))
    assert (
        "J'ai un rendez-vous médical ce jour-là." in centre_page
        and "Je ne pourrai pas venir au rendez-vous" in centre_page
    )
    client.force_login(municipal_staff())
    admin_page = text(client.get(reverse("admin:candidates_application_change", args=[application.pk])))
    assert "messages du candidat" in admin_page.lower() and "J'ai un rendez-vous médical ce jour-là." in admin_page


def test_before_the_centre_sees_the_application_the_municipal_team_is_told(
    client, session, settings, django_capture_on_commit_callbacks
):
    settings.CONTACT_EMAIL = "equipe@paris.example.org"
    application = application_in(Status.SUBMITTED, session=session)
    client.force_login(application.candidate)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("candidates:write_to_centre", args=[application.reference]),
            {"topic": "question", "body": "Faut-il un ordinateur personnel ?"},
        )
    email = OutgoingEmail.objects.get(kind="message_from_candidate")
    assert email.recipient == "equipe@paris.example.org"
    assert "/admin/candidates/application/" in email.body_text


def test_errors_are_tied_to_the_fields(client, invited):
    application = invited.application
    client.force_login(application.candidate)
    url = reverse("candidates:write_to_centre", args=[application.reference])

    response = client.post(url, {"topic": "cannot_attend", "body": ""})
    errors = response.context["form"].errors
    assert set(errors) == {"appointment", "body"}
    assert "data-error-summary" in response.content.decode()
    assert not ApplicationMessage.objects.exists()


@pytest.mark.parametrize("role", ["anonymous", "other_candidate", "own_centre_staff", "municipal_staff"])
def test_only_the_candidate_writes_about_their_application(client, roles, open_session, role):
    application = application_in(Status.ELIGIBLE, candidate=roles["candidate"], session=open_session)
    url = reverse("candidates:write_to_centre", args=[application.reference])
    if roles[role] is not None:
        client.force_login(roles[role])
    response = client.get(url)
    assert response.status_code == (302 if role == "anonymous" else 404)


def test_a_draft_has_no_one_to_write_to(client, open_session):
    draft = ApplicationFactory(session=open_session)
    client.force_login(draft.candidate)
    assert client.get(reverse("candidates:write_to_centre", args=[draft.reference])).status_code == 404


def test_another_centre_never_sees_the_message(client, invited, django_capture_on_commit_callbacks):
    application = invited.application
    stranger = centre_staff(TrainingProviderFactory())
    client.force_login(application.candidate)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("candidates:write_to_centre", args=[application.reference]),
            {"topic": "question", "body": "Une question ?"},
        )
    assert not OutgoingEmail.objects.filter(recipient_user=stranger).exists()
    client.force_login(stranger)
    assert client.get(reverse("centre:application_detail", args=[application.pk])).status_code == 404


def test_session_page_shows_the_centre_contact(client, session):
    content = text(client.get(session.get_absolute_url()))
    assert 'href="tel:0199000002"' in content and "mailto:candidatures@lepoles.example.org" in content


def test_invitation_from_the_centre_has_the_full_address_and_the_contact(
    client, session, django_capture_on_commit_callbacks
):
    application = application_in(Status.ELIGIBLE, session=session)
    staff = centre_staff(session.site.provider)
    client.force_login(staff)
    url = reverse("centre:application_invite", args=[application.pk])

    form = client.get(url).context["form"]
    assert form["place"].value() == "LePoleS Pantin, Rue Denis Papin, 93500 Pantin"
    starts_at = (timezone.localtime() + datetime.timedelta(days=5)).strftime("%Y-%m-%dT10:00")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            {"kind": "test", "starts_at": starts_at, "duration_minutes": 90, "place": form["place"].value()},
        )
    email = OutgoingEmail.objects.get(kind="invitation_test")
    assert "LePoleS Pantin, Rue Denis Papin, 93500 Pantin" in email.body_text
    assert "01 99 00 00 02" in email.body_text and "candidatures@lepoles.example.org" in email.body_text
    ics = email.attachment_content.replace("\r\n ", "")
    assert "LOCATION:LePoleS Pantin\\, Rue Denis Papin\\, 93500 Pantin" in ics
    assert "01 99 00 00 02" in ics


def test_a_graded_test_or_an_accepted_seat_leaves_the_upcoming_appointments(client, invited):
    application = invited.application
    client.force_login(application.candidate)
    url = reverse("candidates:application_detail", args=[application.reference])
    assert "Mes prochains rendez-vous" in text(client.get(url))

    from portal import doors

    with doors.service_write():
        type(invited).objects.filter(pk=invited.pk).update(outcome="passed")
    assert "Mes prochains rendez-vous" not in text(client.get(url))
