"""The training centre's rows of the December walk-through (15, 16, 17): decisions confirmed
before they are made, the waiting list's rank and a warning when seats are free, results recorded
only once the test took place and never « enregistré » when nothing changed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates import services
from candidates.models import Appointment
from candidates.tests.factories import ApplicationFactory, AppointmentFactory
from candidates.workflow import Status
from programmes.tests.factories import SessionFactory, centre_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return SessionFactory(capacity=12, programme__offer_deadline_days=7)


@pytest.fixture
def staff(session, client):
    user = centre_staff(session.site.provider)
    client.force_login(user)
    return user


def action_url(application, name=None):
    url = reverse("centre:application_action", args=[application.pk])
    return f"{url}?action={name}" if name else url


def text(response):
    return " ".join(response.content.decode().split())


def status_of(application):
    application.refresh_from_db()
    return application.status


# --- Row 15: nothing irreversible in one click ------------------------------------------------


def test_offering_a_seat_is_confirmed_first_and_says_what_will_happen(client, session, staff, mailoutbox):
    application = ApplicationFactory(session=session, eligible=True)
    name = application.candidate.get_full_name()

    detail = text(client.get(reverse("centre:application_detail", args=[application.pk])))
    assert f'<a class="btn btn-primary" href="{action_url(application, "offer_seat")}">Proposer une place</a>' in detail
    assert f'<a class="btn btn-outline-secondary" href="{action_url(application, "waitlist")}">' in detail

    page = client.get(action_url(application, "offer_seat"))
    assert page.status_code == 200 and status_of(application) == Status.ELIGIBLE and not mailoutbox
    content = text(page)
    assert f"Proposer une place à {name} ?" in content
    assert "a jusqu'au" in content and "Une proposition ne peut pas être retirée." in content
    assert "il restera 11 places libres" in content
    assert "Oui, proposer la place" in content and "Annuler et revenir à la candidature" in content

    response = client.post(action_url(application), {"action": "offer_seat"}, follow=True)
    assert status_of(application) == Status.SEAT_OFFERED
    after = text(response)
    assert "Une place a été proposée au candidat." in after
    assert "La place est proposée : le candidat a jusqu'au" in after
    assert "Aucune décision possible" not in after


def test_the_confirmation_page_is_ours_only_and_a_stale_one_sends_back(client, session, staff):
    application = ApplicationFactory(session=session, seat_accepted=True)
    response = client.get(action_url(application, "offer_seat"), follow=True)
    assert "Cette décision n&#x27;est plus possible" in response.content.decode()
    stranger = centre_staff(SessionFactory().site.provider)
    client.force_login(stranger)
    assert client.get(action_url(application, "enroll")).status_code == 404


@pytest.mark.parametrize(
    ("status", "action", "question", "button"),
    [
        (Status.SEAT_ACCEPTED, "enroll", "Inscrire", "Oui, inscrire en formation"),
        (Status.SEAT_ACCEPTED, "mark_no_show", "Déclarer", "Oui, déclarer absent"),
    ],
)
def test_every_one_click_decision_has_its_confirmation(client, session, staff, status, action, question, button):
    application = ApplicationFactory(session=session, status=status, submitted_at=timezone.now())
    content = text(client.get(action_url(application, action)))
    assert f'<h1 class="h2">{question} ' in content and button in content
    assert status_of(application) == status


# --- Row 16: the waiting list while seats are free; the rank ------------------------------------


def test_waitlisting_while_seats_are_free_warns_and_offers_a_seat_instead(client, session, staff):
    application = ApplicationFactory(session=session, eligible=True, priority_score=20)
    content = text(client.get(action_url(application, "waitlist")))
    assert "Il reste 12 places libres dans cette session." in content
    assert "Mettre quand même en liste d'attente" in content
    assert f'href="{action_url(application, "offer_seat")}">Proposer une place</a>' in content


def test_a_full_session_waitlists_without_warning_and_shows_the_rank(client, staff):
    session = SessionFactory(capacity=1)
    ApplicationFactory(session=session, seat_accepted=True)
    staff = centre_staff(session.site.provider)
    client.force_login(staff)
    ahead = ApplicationFactory(session=session, waitlisted=True, priority_score=30)
    behind = ApplicationFactory(session=session, waitlisted=True, priority_score=5)
    application = ApplicationFactory(session=session, eligible=True, priority_score=20)

    content = text(client.get(action_url(application, "waitlist")))
    assert "places libres" not in content and "place libre" not in content
    assert "son rang dans la liste d'attente : 2." in content
    assert "Oui, mettre en liste d'attente" in content

    client.post(action_url(application), {"action": "waitlist"})
    assert status_of(application) == Status.WAITLISTED
    detail = text(client.get(reverse("centre:application_detail", args=[application.pk])))
    assert "Rang dans la liste d'attente : 2 sur 3." in detail
    listing = client.get(reverse("centre:session_detail", args=[session.pk]))
    ranks = {a.pk: a.waitlist_rank for a in listing.context["applicants"]}
    assert ranks == {
        ahead.pk: 1,
        application.pk: 2,
        behind.pk: 3,
        **{a.pk: None for a in session.applications.filter(status=Status.SEAT_ACCEPTED)},
    }
    assert "rang 2" in text(listing)


def test_the_session_page_reads_the_ranks_in_one_query(client, session, staff, django_assert_max_num_queries):
    for score in range(3):
        ApplicationFactory(session=session, waitlisted=True, priority_score=score)
    url = reverse("centre:session_detail", args=[session.pk])
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for score in range(5):
        ApplicationFactory(session=session, waitlisted=True, priority_score=score)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


# --- Row 17: results after the test, and only when something was recorded ---------------------


def test_a_result_cannot_be_recorded_before_the_test(client, session, staff):
    appointment = AppointmentFactory(
        application__session=session, starts_at=timezone.now() + datetime.timedelta(days=14)
    )
    detail = text(client.get(reverse("centre:application_detail", args=[appointment.application_id])))
    assert "Le résultat se saisit après le rendez-vous." in detail and "Saisir le résultat" not in detail

    response = client.post(reverse("centre:appointment_outcome", args=[appointment.pk]), {"outcome": "passed"})
    [error] = response.context["form"].errors["outcome"]
    assert error.startswith("Le résultat se saisit après le rendez-vous, qui a lieu le ")
    with pytest.raises(services.OutcomeNotAllowed):  # the one door says the same
        services.record_outcome(appointment, outcome="passed", actor=staff)
    appointment.refresh_from_db()
    assert (appointment.outcome, appointment.recorded_at) == (Appointment.Outcome.PENDING, None)


def test_saving_the_form_unchanged_says_nothing_changed(client, session, staff):
    appointment = AppointmentFactory(
        application__session=session, starts_at=timezone.now() - datetime.timedelta(hours=3)
    )
    url = reverse("centre:appointment_outcome", args=[appointment.pk])
    response = client.post(url, {"outcome": "pending", "score": "", "comment": ""}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Rien n'a changé : le résultat n'est pas modifié."]
    appointment.refresh_from_db()
    assert appointment.recorded_at is None

    response = client.post(url, {"outcome": "pending", "score": "12", "comment": ""})
    assert response.context["form"].errors["outcome"] == ["Choisissez le résultat : réussi, non réussi ou absent."]

    response = client.post(url, {"outcome": "passed", "score": "12", "comment": ""}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Le résultat est enregistré."]
    appointment.refresh_from_db()
    assert (appointment.outcome, appointment.recorded_by) == (Appointment.Outcome.PASSED, staff)
