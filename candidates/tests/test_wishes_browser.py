"""Ranked wishes in a real browser at phone size, with axe on every page: three wishes put in order
with the buttons, a lower wish offered and kept « en attendant mieux » (the lowest one released),
the better wish offered, the person switches to it, and the seat they leave goes to the next person
on that waiting list, who gets the email."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from candidates import seats
from candidates.models import Application
from candidates.tests.factories import application_in, candidate
from candidates.workflow import Status
from portal.tests.browser import assert_accessible, login
from portal.tests.factories import municipal_staff
from programmes.tests.factories import ProgrammeFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR"}


def status_of(application):
    return Application.objects.values_list("status", flat=True).get(pk=application.pk)


def test_three_ranked_wishes_hold_then_switch_and_the_freed_seat_moves_on(require_chromium, live_server, page):
    page.set_default_timeout(10_000)
    page.set_viewport_size(PHONE)
    person = candidate(user__first_name="Awa")
    programme = ProgrammeFactory(name="Paris Code — saison 2")

    def wish(name, status, rank):
        session = SessionFactory(programme=programme, name=name, capacity=1)
        return application_in(status, candidate=person, session=session, wish_rank=rank)

    # Sent in this order; Awa prefers Data to Web, and Web to Cyber.
    web = wish("Développeur web — Paris 20e", Status.WAITLISTED, 1)
    data = wish("Data analyst — Paris 13e", Status.WAITLISTED, 2)
    cyber = wish("Cybersécurité — Pantin", Status.ELIGIBLE, 3)
    next_on_web = application_in(Status.WAITLISTED, session=web.session, candidate=candidate(user__first_name="Lina"))
    login(page, live_server, person)

    # 1. Rank: Data up to n° 1, with the keyboard (the buttons are plain forms).
    page.goto(live_server.url + "/mes-candidatures/")
    expect(page.get_by_role("heading", level=2, name="Mes vœux — Paris Code — saison 2")).to_be_visible()
    assert_accessible(page)
    up = page.get_by_role("button", name="↑ Monter le vœu Data analyst — Paris 13e")
    up.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("« Data analyst — Paris 13e » est maintenant votre vœu n° 1.")).to_be_visible()
    assert_accessible(page)
    assert [Application.objects.get(pk=a.pk).wish_rank for a in (data, web, cyber)] == [1, 2, 3]

    # 2. Web (n° 2) offers a seat: Awa keeps it « en attendant mieux »; Cyber (n° 3) is released.
    staff = municipal_staff()
    seats.offer_seat(web, actor=staff)
    page.goto(live_server.url + f"/mes-candidatures/{web.reference}/")
    assert_accessible(page)
    page.get_by_role("link", name="Oui, en attendant mieux").click()
    assert_accessible(page)
    page.get_by_role("button", name="Oui, garder cette place en attendant mieux").click()
    expect(page.get_by_text("La place vous est réservée en attendant mieux.")).to_be_visible()
    assert (status_of(web), status_of(cyber), status_of(data)) == (
        Status.SEAT_HELD,
        Status.WITHDRAWN,
        Status.WAITLISTED,
    )
    held_email = next(m for m in mail.outbox if person.email in m.to and "attendant mieux" in m.subject)
    assert "Cybersécurité — Pantin » : votre candidature en cours de sélection" in held_email.body
    assert "Data analyst — Paris 13e" in held_email.body

    # 3. Data (n° 1) offers a seat: the email and the page ask her to choose; she switches.
    mail.outbox.clear()
    seats.offer_seat(data, actor=staff)
    offer_email = next(m for m in mail.outbox if person.email in m.to)
    assert "Cette formation est mieux classée dans vos vœux que « Développeur web — Paris 20e »" in offer_email.body
    page.goto(live_server.url + f"/mes-candidatures/{data.reference}/")
    assert_accessible(page)
    page.get_by_role("link", name="Accepter la place").click()
    page.get_by_role("button", name="Oui, accepter la place").click()
    expect(page.get_by_text("Vous avez accepté la place. Le centre de formation vous attend.")).to_be_visible()
    assert_accessible(page)

    # 4. The seat she leaves in Web goes to Lina, next on that waiting list, who is told by email.
    assert (status_of(data), status_of(web)) == (Status.SEAT_ACCEPTED, Status.WITHDRAWN)
    assert status_of(next_on_web) == Status.SEAT_OFFERED
    to_lina = [m for m in mail.outbox if next_on_web.candidate.email in m.to]
    assert len(to_lina) == 1 and "Une place vous est proposée : Développeur web — Paris 20e" in to_lina[0].subject
    released = next(m for m in mail.outbox if person.email in m.to and "confirmée" in m.subject)
    assert "Développeur web — Paris 20e » : la place que vous gardiez en attendant mieux" in released.body

    # « Mes candidatures » now shows the seat accepted and the released wishes among the others.
    page.goto(live_server.url + "/mes-candidatures/")
    expect(page.get_by_text("Vous avez accepté la place").first).to_be_visible()
    assert_accessible(page)
