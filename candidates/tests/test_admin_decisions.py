"""Decisions in the admin: one application's buttons and the changelist's bulk actions, each with
its confirmation page, each through the workflow service; rows in the wrong state are listed back."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from candidates.models import Appointment
from candidates.tests.factories import application_in
from candidates.workflow import RefusalReason, Status
from programmes.tests.factories import SessionFactory, centre_staff

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:candidates_application_changelist")


def decision_url(application, name):
    return reverse("admin:candidates_application_decision", args=[application.pk, name])


def future(days=5):
    return (timezone.localtime() + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- One application ------------------------------------------------------------------------


def test_decision_pages_are_closed_to_others(client):
    application = application_in(Status.ELIGIBLE)
    url = decision_url(application, "waitlist")
    for user in (None, application.candidate, centre_staff(application.session.site.provider)):
        client.logout()
        if user:
            client.force_login(user)
        assert client.post(url).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE


def test_unknown_decision_is_404(staff_client):
    assert staff_client.get(decision_url(application_in(Status.ELIGIBLE), "teleport")).status_code == 404


def test_invite_asks_date_and_place_and_keeps_what_was_typed(staff_client, agent):
    application = application_in(Status.ELIGIBLE)
    url = decision_url(application, "invite_to_test")
    page = staff_client.get(url)
    assert page.status_code == 200 and application.session.site.commune in page.content.decode()

    past = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = staff_client.post(url, {"starts_at": past, "duration_minutes": 90, "place": "Salle 2, Pantin"})
    assert response.status_code == 200
    assert "starts_at" in response.context["form"].errors
    assert 'value="Salle 2, Pantin"' in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE

    response = staff_client.post(
        url, {"starts_at": future(), "duration_minutes": 90, "place": "Salle 2, Pantin", "what_to_bring": "CV"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.INVITED_TO_TEST
    appointment = Appointment.objects.get(application=application)
    assert (appointment.place, appointment.duration_minutes, appointment.created_by) == ("Salle 2, Pantin", 90, agent)
    assert application.events.get().actor == agent


def test_refuse_with_a_shared_prepared_message(staff_client):
    application = application_in(Status.INVITED_TO_INTERVIEW)
    response = staff_client.post(
        decision_url(application, "refuse"), {"reason": RefusalReason.INTERVIEW, "share_reason": "on", "message": ""}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.REFUSED
    assert application.refusal_reason_shared and application.refusal_message == RefusalReason.INTERVIEW.prepared_message


def test_refuse_offers_no_retired_reason_and_other_needs_a_message(staff_client):
    application = application_in(Status.ELIGIBLE)
    url = decision_url(application, "refuse")
    page = staff_client.get(url)
    assert RefusalReason.NOT_PRIORITY_AUDIENCE.value not in page.content.decode()
    assert (RefusalReason.TEST_FAILED.label, RefusalReason.TEST_FAILED.prepared_message) in page.context[
        "prepared_messages"
    ]
    response = staff_client.post(url, {"reason": RefusalReason.NOT_PRIORITY_AUDIENCE})
    assert "reason" in response.context["form"].errors
    response = staff_client.post(url, {"reason": RefusalReason.OTHER, "share_reason": "on"})
    assert "message" in response.context["form"].errors
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE


def test_a_decision_the_state_forbids_shows_the_service_message(staff_client):
    application = application_in(Status.ENROLLED)
    response = staff_client.post(decision_url(application, "waitlist"), {"note": ""})
    assert response.status_code == 200
    assert "n'est pas possible" in response.context["form"].non_field_errors()[0]
    assert "n&#x27;est pas possible" in response.content.decode()


def test_double_submit_says_already_done(staff_client):
    application = application_in(Status.ELIGIBLE)
    staff_client.post(decision_url(application, "waitlist"), {"note": "complet"})
    response = staff_client.post(decision_url(application, "waitlist"), {"note": "complet"})
    assert "déjà fait" in response.content.decode()
    assert application.events.count() == 1


# --- Bulk actions ---------------------------------------------------------------------------


def bulk(client, action, applications, **data):
    payload = {"action": f"bulk_{action}", "_selected_action": [a.pk for a in applications], **data}
    return client.post(CHANGELIST, payload)


def test_bulk_action_first_shows_a_confirmation_page(staff_client):
    applications = [application_in(Status.ELIGIBLE) for _ in range(2)]
    response = bulk(staff_client, "waitlist", applications)
    assert response.status_code == 200
    assert response.templates[0].name == "admin/candidates/application/decision.html"
    for application in applications:
        application.refresh_from_db()
        assert application.status == Status.ELIGIBLE


@pytest.mark.parametrize(("action", "kind"), [("invite_to_test", "test"), ("invite_to_interview", "interview")])
def test_bulk_invite_with_mixed_states(staff_client, action, kind, mailoutbox, django_capture_on_commit_callbacks):
    session = SessionFactory()
    eligible = [application_in(Status.ELIGIBLE, session=session) for _ in range(2)]
    refused = application_in(Status.REFUSED, session=session)
    with django_capture_on_commit_callbacks(execute=True):
        response = bulk(
            staff_client,
            action,
            [*eligible, refused],
            apply="1",
            starts_at=future(),
            duration_minutes=60,
            place="4 rue de la Caravelle",
            what_to_bring="Pièce d'identité",
        )
    # One invitation email per invited candidate, with the place; none for the refused one.
    assert sorted(email.to[0] for email in mailoutbox) == sorted(a.candidate.email for a in eligible)
    assert all("4 rue de la Caravelle" in email.body for email in mailoutbox)
    assert response.status_code == 302
    assert Appointment.objects.filter(kind=kind, place="4 rue de la Caravelle").count() == 2
    for application in eligible:
        application.refresh_from_db()
        assert application.status.startswith("invited_to")
    refused.refresh_from_db()
    assert refused.status == Status.REFUSED
    messages = texts(response)
    assert any("2 candidatures traitées" in m for m in messages)
    assert any(str(refused.candidate) in m and "1 candidature laissée de côté" in m for m in messages)


def test_bulk_invite_form_errors_keep_the_selection(staff_client):
    session = SessionFactory()  # one session: invitations across sessions are refused (walk-through row 11)
    applications = [application_in(Status.ELIGIBLE, session=session) for _ in range(2)]
    response = bulk(staff_client, "invite_to_test", applications, apply="1", starts_at="", place="")
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"starts_at", "place"}
    content = response.content.decode()
    for application in applications:
        assert f'name="_selected_action" value="{application.pk}"' in content
    assert not Appointment.objects.exists()


def test_bulk_waitlist_with_mixed_states(staff_client):
    eligible = application_in(Status.ELIGIBLE)
    interviewed = application_in(Status.INVITED_TO_INTERVIEW)
    refused = application_in(Status.NOT_ELIGIBLE)
    draft = application_in(Status.DRAFT)  # invisible to staff: never selected, never touched
    response = bulk(
        staff_client, "waitlist", [eligible, interviewed, refused, draft], apply="1", note="session complète"
    )
    assert response.status_code == 302
    for application, status in (
        (eligible, Status.WAITLISTED),
        (interviewed, Status.WAITLISTED),
        (refused, Status.NOT_ELIGIBLE),
        (draft, Status.DRAFT),
    ):
        application.refresh_from_db()
        assert application.status == status
    assert eligible.events.get().reason == "session complète"
    assert any(str(refused.candidate) in m for m in texts(response))
    assert not any(str(draft.candidate) in m for m in texts(response))


def test_bulk_refuse_with_mixed_states(staff_client):
    eligible = application_in(Status.ELIGIBLE)
    enrolled = application_in(Status.ENROLLED)
    response = bulk(
        staff_client,
        "refuse",
        [eligible, enrolled],
        apply="1",
        reason=RefusalReason.SESSION_FULL,
        share_reason="on",
        message="La session est complète, candidatez à la suivante.",
    )
    assert response.status_code == 302
    eligible.refresh_from_db()
    enrolled.refresh_from_db()
    assert (eligible.status, eligible.refusal_reason, eligible.refusal_reason_shared) == (
        Status.REFUSED,
        "session_full",
        True,
    )
    assert enrolled.status == Status.ENROLLED
    assert any(str(enrolled.candidate) in m for m in texts(response))


def test_bulk_actions_are_not_offered_to_view_only_staff(client):
    from django.contrib.auth.models import Permission

    from portal.tests.factories import UserFactory

    viewer = UserFactory()
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_application"))
    client.force_login(viewer)
    application = application_in(Status.ELIGIBLE)
    response = bulk(client, "waitlist", [application], apply="1")
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE
    assert response.status_code in (200, 302)


def test_bulk_offer_seat_goes_through_the_seat_service_and_capacity_holds(staff_client):
    session = SessionFactory(capacity=2)
    candidates_ = [application_in(Status.ELIGIBLE, session=session, priority_score=score) for score in (30, 20, 10)]
    refused = application_in(Status.REFUSED, session=session)
    response = bulk(staff_client, "offer_seat", [*candidates_, refused], apply="1", note="")
    assert response.status_code == 302
    statuses = []
    for application in [*candidates_, refused]:
        application.refresh_from_db()
        statuses.append(application.status)
    assert statuses.count(Status.SEAT_OFFERED) == 2
    assert refused.status == Status.REFUSED
    offered = [a for a in candidates_ if a.status == Status.SEAT_OFFERED]
    assert offered == candidates_[:2], "the highest priority scores get the seats first"
    assert all(a.offer_expires_at for a in offered)
    messages = texts(response)
    assert any("2 candidatures traitées" in m for m in messages)
    assert any("2 candidatures laissées de côté" in m and str(refused.candidate) in m for m in messages)


def test_offer_seat_button_on_a_full_session_says_so(staff_client):
    session = SessionFactory(capacity=1)
    application_in(Status.SEAT_ACCEPTED, session=session)
    application = application_in(Status.ELIGIBLE, session=session)
    response = staff_client.post(decision_url(application, "offer_seat"), {"note": ""})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE
