"""The training centre's walk-through rows in a real browser at phone size (390×844), with axe:
the sessions table fits the screen (row 31), a seat offer is confirmed on its own page before it is
made (row 15), the waiting list warns while seats are free and shows the rank (row 16)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from candidates.tests.factories import ApplicationFactory
from candidates.workflow import Status
from portal.tests.browser import assert_accessible, login
from programmes.tests.factories import SessionFactory, centre_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_the_centre_on_a_phone(require_chromium, live_server, page):
    page.set_viewport_size(PHONE)
    session = SessionFactory(name="Ma 6T Va Coder — Pantin", capacity=12)
    staff = centre_staff(session.site.provider)
    SessionFactory(name="Développeur web et web mobile — Pantin", site=session.site)
    first = ApplicationFactory(session=session, eligible=True, priority_score=30)
    second = ApplicationFactory(session=session, eligible=True, priority_score=10)
    login(page, live_server, staff)

    page.goto(live_server.url + reverse("centre:session_list"))
    table = page.locator("table")
    # No sideways scrolling: the seats left and the waiting list are on screen.
    assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
    for header in ("Restantes", "Liste d'attente"):
        box = page.get_by_role("columnheader", name=header).bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"]
    assert_accessible(page)

    page.goto(live_server.url + reverse("centre:application_detail", args=[first.pk]))
    page.get_by_role("link", name="Proposer une place").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Proposer une place à")
    assert_accessible(page)
    first.refresh_from_db()
    assert first.status == Status.ELIGIBLE  # nothing happened yet
    page.get_by_role("button", name="Oui, proposer la place").click()
    expect(page.get_by_text("Une place a été proposée au candidat.")).to_be_visible()
    expect(page.locator("[data-next-step]")).to_contain_text("La place est proposée")
    assert_accessible(page)

    page.goto(live_server.url + reverse("centre:application_detail", args=[second.pk]))
    page.get_by_role("link", name="Mettre en liste d'attente").click()
    expect(page.locator("[data-free-seats]")).to_contain_text("Il reste 11 places libres")
    assert_accessible(page)
    page.get_by_role("button", name="Mettre quand même en liste d'attente").click()
    expect(page.locator("[data-waitlist-rank]")).to_have_text("Rang dans la liste d'attente : 1 sur 1.")
    assert_accessible(page)
