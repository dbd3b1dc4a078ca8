"""The information pages, the contact form and « Écrire au centre » at phone size, with axe."""

import pytest
from playwright.sync_api import expect

from candidates.tests.factories import AppointmentFactory, candidate
from portal.tests.browser import assert_accessible, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_information_pages_and_contact_form_on_a_phone(require_chromium, live_server, page):
    page.set_viewport_size(PHONE)
    page.set_default_timeout(10_000)
    for path, title in (
        ("/accessibilite/", "Déclaration d'accessibilité"),
        ("/mentions-legales/", "Mentions légales"),
        ("/confidentialite/", "Politique de confidentialité"),
    ):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
        assert_accessible(page)
    page.get_by_role("link", name="Aide et contact").click()
    page.get_by_role("button", name="Envoyer mon message").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert_accessible(page)
    page.get_by_label("Votre nom").fill("Nadia Benali")
    page.get_by_label("Votre adresse e-mail").fill("nadia@example.org")
    page.get_by_label("Un problème d'accessibilité").check()
    page.get_by_label("Votre message").fill("Le PDF de la charte ne se lit pas avec mon lecteur d'écran.")
    page.get_by_role("button", name="Envoyer mon message").click()
    expect(page.get_by_text("Votre message est envoyé à l'équipe du portail.")).to_be_visible()
    assert_accessible(page)


def test_write_to_the_centre_on_a_phone(require_chromium, live_server, page):
    page.set_viewport_size(PHONE)
    page.set_default_timeout(10_000)
    user = candidate()
    appointment = AppointmentFactory(
        application__candidate=user, application__session__site__contact_phone="01 99 00 00 02"
    )
    login(page, live_server, user)
    page.goto(f"{live_server.url}/mes-candidatures/{appointment.application.reference}/")
    expect(page.get_by_text("01 99 00 00 02")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Je ne pourrai pas venir").click()
    expect(page.get_by_label("Je ne pourrai pas venir au rendez-vous")).to_be_checked()
    assert_accessible(page)
    page.get_by_label("Votre message").fill("J'ai un rendez-vous médical ce jour-là.")
    page.get_by_role("button", name="Envoyer mon message").click()
    expect(page.get_by_text("Votre message est envoyé.")).to_be_visible()
    expect(page.get_by_text("Vous avez écrit")).to_be_visible()
    assert_accessible(page)
