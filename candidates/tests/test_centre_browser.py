import pytest
from django.core import mail

from candidates.tests.factories import ApplicationFactory
from candidates.workflow import Status
from portal.tests.browser import assert_accessible, login
from programmes.tests.factories import SessionFactory, centre_staff


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_one_more_seat_goes_to_the_first_waiting_candidate_who_accepts_it(require_chromium, live_server, page):
    """Centre staff raise a full session's capacity by one; the first of the waiting list (by
    priority) is offered the seat, told by email, and accepts it from "My applications"."""
    session = SessionFactory(name="Intégrateur web — Villeneuve-la-Garenne", capacity=2)
    for _ in range(2):
        ApplicationFactory(session=session, seat_accepted=True)
    first = ApplicationFactory(session=session, waitlisted=True, priority_score=30)
    second = ApplicationFactory(session=session, waitlisted=True, priority_score=10)
    first.candidate.first_name, first.candidate.last_name = "Awa", "Diallo"
    first.candidate.save()
    staff = centre_staff(session.site.provider)
    mail.outbox.clear()

    # The centre's staff find the session and raise its capacity by one.
    login(page, live_server, staff)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Espace centre de formation").click()
    page.get_by_role("heading", name="Nos sessions").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name=session.name).click()
    page.get_by_role("heading", name=session.name).wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Modifier les places et les dates").click()
    assert_accessible(page)
    page.get_by_label("Nombre de places").fill("3")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("La session est à jour.").wait_for()
    assert page.locator("[data-capacity]").inner_text() == "3"
    assert page.get_by_text("Nombre de places : 2 → 3").is_visible()
    assert_accessible(page)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.SEAT_OFFERED, Status.WAITLISTED)
    page.get_by_role("link", name="Awa Diallo").click()
    page.get_by_text("Place proposée").first.wait_for()
    assert_accessible(page)

    # The candidate is told by email, and accepts from "My applications".
    offers = [m for m in mail.outbox if first.candidate.email in m.to]
    assert offers, "no offer email reached the candidate"
    assert f"une place vous est proposée dans la formation « {session.name} »" in offers[-1].body

    login(page, live_server, first.candidate)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Mes candidatures").click()
    page.get_by_role("link", name="Voir le détail").click()
    page.get_by_role("link", name="Accepter la place").click()
    page.get_by_role("button", name="Oui, accepter la place").click()
    page.get_by_text("Vous avez accepté la place. Le centre de formation vous attend.").wait_for()

    first.refresh_from_db()
    assert first.status == Status.SEAT_ACCEPTED
