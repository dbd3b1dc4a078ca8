"""The admin's session page writes through the seat service, exactly as the training centre's page
does: the same refusal on the capacity field, the waiting list served when capacity goes up, the
candidates told when the dates move; and the decisions share one set of forms and rules."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.decision_forms import InviteForm, RefuseForm
from candidates.tests.factories import ApplicationFactory
from candidates.workflow import Status
from programmes.models import Session
from programmes.tests.factories import SessionFactory, TrainingSiteFactory, centre_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return SessionFactory(capacity=3)


def admin_form(session, **changes):
    """The admin's session form as a browser sends it, with ``changes``."""
    values = {
        "programme": session.programme_id,
        "site": session.site_id,
        "name": session.name,
        "track": session.track,
        "rhythm": session.rhythm,
        "delivery": session.delivery,
        "starts_on": session.starts_on.isoformat(),
        "ends_on": session.ends_on.isoformat(),
        "hours_per_week": session.hours_per_week,
        "applications_open_on": session.applications_open_on.isoformat(),
        "applications_close_on": session.applications_close_on.isoformat(),
        "capacity": session.capacity,
        "learner_status": session.learner_status,
        "selection_steps": '["application", "test", "interview"]',
        "publication": "published",
        **changes,
    }
    return {key: value for key, value in values.items() if value is not None}


def change_url(session):
    return reverse("admin:programmes_session_change", args=[session.pk])


def test_capacity_below_seats_taken_is_refused_on_the_field_as_in_the_centre(staff_client, session):
    ApplicationFactory(session=session, seat_offered=True)
    ApplicationFactory(session=session, seat_accepted=True)

    response = staff_client.post(change_url(session), admin_form(session, capacity=1))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["capacity"] == [
        "Impossible de descendre sous 2 places : elles sont déjà proposées ou attribuées."
    ]
    session.refresh_from_db()
    assert session.capacity == 3


def test_raising_capacity_offers_the_seat_to_the_waiting_list(
    staff_client, agent, session, django_capture_on_commit_callbacks
):
    for _ in range(3):
        ApplicationFactory(session=session, seat_accepted=True)
    waiting = ApplicationFactory(session=session, waitlisted=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(change_url(session), admin_form(session, capacity=4))

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Status.SEAT_OFFERED
    latest = session.history.first()
    assert (latest.capacity, latest.history_user) == (4, agent)


def test_moving_the_dates_tells_the_candidates(staff_client, session, django_capture_on_commit_callbacks, mailoutbox):
    waiting = ApplicationFactory(session=session, waitlisted=True)
    new_start = session.starts_on + datetime.timedelta(days=21)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(change_url(session), admin_form(session, starts_on=new_start.isoformat()))

    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [[waiting.candidate.email]]
    assert f"Les dates de la formation « {session.name} » ont changé." in mailoutbox[0].body


def test_other_fields_change_through_the_service_too(staff_client, agent, session):
    response = staff_client.post(change_url(session), admin_form(session, name="Développeur web — promotion 9"))

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.name == "Développeur web — promotion 9"
    assert session.history.first().history_user == agent


def test_a_session_added_in_the_admin_is_created_by_the_service(admin_client):
    site = TrainingSiteFactory()
    template = SessionFactory.build(site=site, programme=SessionFactory().programme)
    data = admin_form(template, programme=template.programme.pk, site=site.pk, name="Nouvelle session")

    response = admin_client.post(reverse("admin:programmes_session_add"), data)

    assert response.status_code == 302
    created = Session.objects.get(name="Nouvelle session")
    assert created.history.get().history_type == "+"


def test_an_invitation_is_at_least_one_hour_ahead_for_the_admin_and_the_centre():
    def errors(starts_at, **kwargs):
        form = InviteForm(
            {"kind": "test", "starts_at": starts_at.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 60, "place": "A"},
            **kwargs,
        )
        form.is_valid()
        return form.errors.get("starts_at")

    now = timezone.localtime()
    for kwargs in ({}, {"kind": "test"}):  # the centre's form (kind chosen), the admin's (kind known)
        assert errors(now - datetime.timedelta(hours=1), **kwargs) == ["Choisissez une date à venir."]
        assert errors(now + datetime.timedelta(minutes=30), **kwargs) == [
            "Choisissez une heure au moins une heure à l'avance : la convocation doit laisser le temps de venir."
        ]
        assert errors(now + datetime.timedelta(hours=2), **kwargs) is None


def test_a_refusal_shares_its_reason_by_default_with_the_prepared_message():
    assert RefuseForm().fields["share_reason"].initial is True
    form = RefuseForm({"reason": "test_failed", "share_reason": "on", "message": ""})
    assert form.is_valid()
    assert form.service_kwargs()["message"].startswith("Vos résultats aux tests ne permettent pas")


def test_the_centre_refusal_sends_the_prepared_message_like_the_admin(client, django_capture_on_commit_callbacks):
    application = ApplicationFactory(eligible=True)
    staff = centre_staff(application.session.site.provider)
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("centre:application_refuse", args=[application.pk]), {"reason": "test_failed", "share_reason": "on"}
        )

    application.refresh_from_db()
    assert application.status == Status.REFUSED
    assert application.refusal_message.startswith("Vos résultats aux tests ne permettent pas")


def test_the_centre_invitation_form_offers_the_full_address(client):
    application = ApplicationFactory(eligible=True)
    site = application.session.site
    client.force_login(centre_staff(site.provider))

    form = client.get(reverse("centre:application_invite", args=[application.pk])).context["form"]

    assert form.initial["place"] == f"{site.name}, {site.address}, {site.postcode} {site.commune}"
