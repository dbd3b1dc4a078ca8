"""The training-centre space: who sees what, and every decision through the services."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import Appointment
from candidates.tests.factories import ApplicationDocumentFactory, ApplicationFactory, AppointmentFactory, candidate
from candidates.workflow import Status
from portal.tests.factories import municipal_staff
from programmes.models import Session
from programmes.tests.factories import SessionFactory, TrainingSiteFactory, centre_staff, session_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return SessionFactory(capacity=2)


@pytest.fixture
def staff(session):
    return centre_staff(session.site.provider)


@pytest.fixture
def application(session):
    return ApplicationFactory(session=session, eligible=True, priority_score=10)


@pytest.fixture
def appointment(application):
    return AppointmentFactory(
        application=application,
        kind=Appointment.Kind.TEST,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        place="4 rue de la Caravelle",
    )


def page(client, user, url, **data):
    client.force_login(user)
    return client.post(url, data) if data else client.get(url)


def last_message(response):
    return str(list(response.context["messages"])[-1])


def status_of(application):
    application.refresh_from_db()
    return application.status


# --- Who sees what --------------------------------------------------------------------------------

OBJECT_PAGES = [
    ("centre:session_detail", "session"),
    ("centre:session_edit", "session"),
    ("centre:application_detail", "application"),
    ("centre:application_invite", "application"),
    ("centre:application_refuse", "application"),
    ("centre:application_action", "application"),
    ("centre:appointment_outcome", "appointment"),
]
SPACE_PAGES = [("centre:session_list", None), ("centre:session_create", None)]


def url_of(name, target, objects):
    return reverse(name, args=[objects[target].pk]) if target else reverse(name)


def visit(client, user, name, target, objects):
    """GET the page, or POST to it for the one-click action endpoint (POST only)."""
    if user is not None:
        client.force_login(user)
    url = url_of(name, target, objects)
    return client.post(url, {"action": "waitlist"}) if name == "centre:application_action" else client.get(url)


@pytest.fixture
def objects(session, application, appointment):
    return {"session": session, "application": application, "appointment": appointment}


@pytest.mark.parametrize(("name", "target"), OBJECT_PAGES + SPACE_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, objects, name, target):
    response = visit(client, None, name, target, objects)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["the candidate", "another candidate", "municipal staff"])
@pytest.mark.parametrize(("name", "target"), OBJECT_PAGES + SPACE_PAGES)
def test_people_outside_any_structure_get_404(client, objects, name, target, who):
    user = {
        "the candidate": objects["application"].candidate,
        "another candidate": candidate(),
        "municipal staff": municipal_staff(),
    }[who]
    assert visit(client, user, name, target, objects).status_code == 404
    assert status_of(objects["application"]) == Status.ELIGIBLE


@pytest.mark.parametrize(("name", "target"), OBJECT_PAGES)
def test_another_structures_staff_get_404_on_our_objects(client, objects, name, target):
    stranger = centre_staff(SessionFactory().site.provider)
    assert visit(client, stranger, name, target, objects).status_code == 404
    assert status_of(objects["application"]) == Status.ELIGIBLE


@pytest.mark.parametrize(("name", "target"), OBJECT_PAGES + SPACE_PAGES)
def test_our_staff_open_every_page(client, objects, staff, name, target):
    expected = 302 if name == "centre:application_action" else 200
    assert visit(client, staff, name, target, objects).status_code == expected


def test_applications_before_eligibility_stay_with_the_city(client, session, staff):
    submitted = ApplicationFactory(session=session, submitted=True)
    assert page(client, staff, reverse("centre:application_detail", args=[submitted.pk])).status_code == 404
    response = page(client, staff, reverse("centre:session_detail", args=[session.pk]))
    assert f'data-application="{submitted.pk}"' not in response.content.decode()


def test_the_list_shows_only_our_sessions_with_their_seats(client, session, staff):
    ApplicationFactory(session=session, seat_offered=True)
    ApplicationFactory(session=session, waitlisted=True)
    other = SessionFactory(name="Session d'une autre structure")

    html = page(client, staff, reverse("centre:session_list")).content.decode()

    assert session.name in html and other.name not in html
    assert '<td class="text-end" data-seats-left>1</td>' in html


def test_members_see_the_space_in_the_menu(client, staff):
    assert reverse("centre:session_list") in page(client, staff, reverse("home")).content.decode()
    assert reverse("centre:session_list") not in page(client, candidate(), reverse("home")).content.decode()


def test_list_pages_make_a_bounded_number_of_queries(client, session, staff, django_assert_max_num_queries):
    client.force_login(staff)

    def load_both():
        client.get(reverse("centre:session_list"))
        client.get(reverse("centre:session_detail", args=[session.pk]))

    load_both()  # warm caches (content types, sessions)
    with django_assert_max_num_queries(20) as few:
        load_both()
    for _ in range(8):
        SessionFactory(site=session.site)
        ApplicationFactory(session=session, eligible=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        load_both()


# --- Sessions -------------------------------------------------------------------------------------


def test_applicants_are_sorted_by_priority_or_by_date(client, session, staff):
    now = timezone.now()
    low_early = ApplicationFactory(
        session=session, eligible=True, priority_score=1, submitted_at=now - datetime.timedelta(days=3)
    )
    high_late = ApplicationFactory(session=session, waitlisted=True, priority_score=30, submitted_at=now)
    url = reverse("centre:session_detail", args=[session.pk])

    def order(html):
        return sorted((low_early, high_late), key=lambda a: html.index(f'data-application="{a.pk}"'))

    assert order(page(client, staff, url).content.decode()) == [high_late, low_early]
    assert order(page(client, staff, url + "?tri=envoi").content.decode()) == [low_early, high_late]


def test_capacity_below_seats_taken_is_refused_on_the_field(client, session, staff):
    ApplicationFactory(session=session, seat_offered=True)
    ApplicationFactory(session=session, seat_accepted=True)
    data = {
        "capacity": 1,
        "starts_on": session.starts_on,
        "ends_on": session.ends_on,
        "applications_open_on": session.applications_open_on,
        "applications_close_on": session.applications_close_on,
    }

    response = page(client, staff, reverse("centre:session_edit", args=[session.pk]), **data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["capacity"] == [
        "Impossible de descendre sous 2 places : elles sont déjà proposées ou attribuées."
    ]
    assert 'value="1"' in response.content.decode()
    session.refresh_from_db()
    assert session.capacity == 2


def test_dates_and_capacity_changes_show_in_the_history(client, session, staff):
    new_start = session.starts_on + datetime.timedelta(days=7)
    data = {
        "capacity": 5,
        "starts_on": new_start,
        "ends_on": session.ends_on,
        "applications_open_on": session.applications_open_on,
        "applications_close_on": session.applications_close_on,
    }

    response = page(client, staff, reverse("centre:session_edit", args=[session.pk]), **data)
    assert response.status_code == 302
    html = client.get(reverse("centre:session_detail", args=[session.pk])).content.decode()

    session.refresh_from_db()
    assert (session.capacity, session.starts_on) == (5, new_start)
    assert "Nombre de places : 2 → 5" in html
    assert f"par {staff}" in html


def test_dates_in_the_wrong_order_are_explained_on_the_field(client, session, staff):
    data = {
        "capacity": 2,
        "starts_on": session.starts_on,
        "ends_on": session.starts_on - datetime.timedelta(days=1),
        "applications_open_on": session.applications_open_on,
        "applications_close_on": session.applications_close_on,
    }
    response = page(client, staff, reverse("centre:session_edit", args=[session.pk]), **data)
    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors


def test_a_session_is_created_on_one_of_our_sites_only(client, session, staff):
    data = session_form_data(session.programme, TrainingSiteFactory())
    url = reverse("centre:session_create")

    refused = page(client, staff, url, **data)
    assert "site" in refused.context["form"].errors
    accepted = page(client, staff, url, **{**data, "site": session.site.pk})

    created = Session.objects.get(name="Intégrateur web — Pantin")
    assert accepted.url == reverse("centre:session_detail", args=[created.pk])
    assert created.history.get().history_user == staff


# --- Decisions ------------------------------------------------------------------------------------


def test_staff_offer_a_seat_and_a_full_session_says_so(client, session, staff, application):
    url = reverse("centre:application_action", args=[application.pk])
    page(client, staff, url, action="offer_seat")
    assert status_of(application) == Status.SEAT_OFFERED
    assert application.offer_expires_at is not None

    ApplicationFactory(session=session, seat_accepted=True)
    late = ApplicationFactory(session=session, eligible=True)
    response = client.post(reverse("centre:application_action", args=[late.pk]), {"action": "offer_seat"}, follow=True)

    assert status_of(late) == Status.ELIGIBLE
    assert last_message(response) == "La session est complète : ses 2 places sont déjà proposées ou attribuées."


def test_waitlist_enroll_and_no_show_go_through_the_workflow(client, session, staff, application):
    url = reverse("centre:application_action", args=[application.pk])
    page(client, staff, url, action="waitlist")
    assert status_of(application) == Status.WAITLISTED
    accepted = ApplicationFactory(session=session, seat_accepted=True)
    page(client, staff, reverse("centre:application_action", args=[accepted.pk]), action="enroll")
    assert status_of(accepted) == Status.ENROLLED
    absent = ApplicationFactory(session=session, seat_accepted=True)
    page(client, staff, reverse("centre:application_action", args=[absent.pk]), action="mark_no_show")
    assert status_of(absent) == Status.NO_SHOW
    event = absent.events.get()
    assert (event.actor, event.actor_role) == (staff, "centre_staff")


def test_an_unknown_or_impossible_action_is_a_message_not_an_error(client, staff, application):
    url = reverse("centre:application_action", args=[application.pk])
    response = page(client, staff, url, action="submit")
    assert response.status_code == 302
    response = client.post(url, {"action": "enroll"}, follow=True)
    assert last_message(response) == (
        "L'action « Inscrire en formation » n'est pas possible pour une candidature au statut « Éligible »."
    )
    assert status_of(application) == Status.ELIGIBLE


def test_invite_creates_one_appointment_even_on_a_double_submit(client, staff, application):
    starts_at = (timezone.localtime() + datetime.timedelta(days=5)).strftime("%Y-%m-%dT10:00")
    data = {"kind": "test", "starts_at": starts_at, "duration_minutes": 90, "place": "Salle 2", "what_to_bring": ""}
    url = reverse("centre:application_invite", args=[application.pk])

    page(client, staff, url, **data)
    second = client.post(url, data, follow=True)

    assert status_of(application) == Status.INVITED_TO_TEST
    assert application.appointments.get().place == "Salle 2"
    assert last_message(second).startswith("C'est déjà fait")


def test_invite_in_the_past_is_refused_on_the_field(client, staff, application):
    data = {"kind": "test", "starts_at": "2016-01-01T10:00", "duration_minutes": 60, "place": "Salle 2"}
    response = page(client, staff, reverse("centre:application_invite", args=[application.pk]), **data)
    assert response.context["form"].errors["starts_at"] == ["Choisissez une date à venir."]
    assert status_of(application) == Status.ELIGIBLE


def test_refuse_with_a_reason(client, staff, application):
    data = {"reason": "test_failed", "share_reason": "on", "message": "Merci pour votre venue."}
    page(client, staff, reverse("centre:application_refuse", args=[application.pk]), **data)
    assert status_of(application) == Status.REFUSED
    assert (application.refusal_reason, application.refusal_reason_shared) == ("test_failed", True)


def test_recording_a_test_result(client, staff, appointment):
    Appointment.objects.filter(pk=appointment.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=2))
    url = reverse("centre:appointment_outcome", args=[appointment.pk])
    bad = page(client, staff, url, outcome="passed", score="140", comment="Très bon raisonnement.")
    assert bad.context["form"].errors["score"] == ["La note doit être comprise entre 0 et 100."]
    assert "Très bon raisonnement." in bad.content.decode()

    page(client, staff, url, outcome="passed", score="16.5", comment="Très bon raisonnement.")

    appointment.refresh_from_db()
    assert (appointment.outcome, str(appointment.score), appointment.comment) == (
        "passed",
        "16.50",
        "Très bon raisonnement.",
    )
    assert appointment.recorded_by == staff and appointment.recorded_at is not None
    html = client.get(reverse("centre:application_detail", args=[appointment.application_id])).content.decode()
    assert "note 16,50" in html and f"Saisi par {staff}" in html


def test_recording_an_interview_outcome(client, staff, application):
    interview = AppointmentFactory(
        application=application,
        kind=Appointment.Kind.INTERVIEW,
        starts_at=timezone.now() - datetime.timedelta(hours=1),  # results are recorded once it took place
        place="Salle 1",
    )
    page(
        client,
        staff,
        reverse("centre:appointment_outcome", args=[interview.pk]),
        outcome="failed",
        comment="Projet flou.",
    )
    interview.refresh_from_db()
    assert (interview.outcome, interview.score, interview.comment) == ("failed", None, "Projet flou.")


def test_documents_link_to_the_one_download_view_and_others_get_404(client, staff, application):
    document = ApplicationDocumentFactory(application=application)
    download = reverse("candidates:document_download", args=[document.pk])
    stranger = centre_staff(SessionFactory().site.provider)

    html = page(client, staff, reverse("centre:application_detail", args=[application.pk])).content.decode()
    assert f'href="{download}"' in html
    assert client.get(download).status_code == 200
    assert page(client, stranger, download).status_code == 404
