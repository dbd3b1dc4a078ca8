"""The walk-through's candidate rows in a real browser at phone size (390×844), with axe on every
page: the error summary takes the focus after a failed submit, the review names what is missing
and comes back after the fix, the catalogue shows results first, the session page offers to apply
near the top, « Mes données » is readable."""

import pytest
from playwright.sync_api import expect

from candidates.tests.factories import ApplicationDocumentFactory, ApplicationFactory, candidate
from portal.tests.browser import assert_accessible, login
from programmes.models import QualificationLevel
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    page.set_default_timeout(10_000)
    return page


def test_step_one_errors_then_review_then_back_to_review(require_chromium, live_server, phone):
    session = SessionFactory(name="Intégrateur web — Pantin", site__departement="93")
    user = candidate(
        birth_date=None,
        postcode="",
        commune="",
        qualification_level=None,
        is_job_seeker=None,
        job_seeker_since=None,
        receives_rsa=None,
        has_rqth=None,
        user__first_name="",
        user__last_name="",
    )
    application = ApplicationFactory(candidate=user, session=session, draft_step="review")
    ApplicationDocumentFactory(application=application)
    login(phone, live_server, user)

    # The review names what is missing, with a readable link (row 30's contrast).
    phone.goto(f"{live_server.url}/candidatures/{application.reference}/etapes/verification/")
    expect(phone.get_by_text("Avant d'envoyer, il manque :")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("link", name="Dans votre profil, indiquez").click()

    # Step 1 sent empty: the error summary at the top has the focus and lists the yes/no questions.
    expect(phone.get_by_role("button", name="Enregistrer et revenir à la vérification")).to_be_visible()
    phone.get_by_role("button", name="Enregistrer et revenir à la vérification").click()
    summary = phone.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Êtes-vous inscrit(e) à France Travail")
    expect(summary).to_contain_text("Percevez-vous le RSA")
    expect(summary).to_contain_text("Avez-vous une RQTH")
    assert summary.bounding_box()["y"] < PHONE["height"]
    assert_accessible(phone)
    summary.get_by_role("link", name="Percevez-vous le RSA").click()
    expect(phone.locator("#id_receives_rsa_0")).to_be_focused()

    # Fill step 1; saving leads straight back to the review, now complete.
    phone.locator("#id_first_name").fill("Awa")
    phone.locator("#id_last_name").fill("Diallo")
    phone.locator("#id_birth_date").fill("2001-04-12")
    phone.locator("#id_postcode").fill("93500")
    phone.locator("#id_commune").fill("Pantin")
    phone.locator("#id_qualification_level").select_option(str(QualificationLevel.LEVEL_4.value))
    phone.locator("#id_is_job_seeker_1").check()
    phone.locator("#id_receives_rsa_1").check()
    phone.locator("#id_has_rqth_2").check()
    phone.get_by_role("button", name="Enregistrer et revenir à la vérification").click()
    expect(phone.get_by_text("Étape 4 sur 4")).to_be_visible()
    expect(phone.get_by_text("Je préfère ne pas répondre")).to_be_visible()
    expect(phone.get_by_role("button", name="Envoyer ma candidature")).to_be_visible()
    assert_accessible(phone)


def test_catalogue_and_session_page_on_a_phone(require_chromium, live_server, phone):
    session = SessionFactory(name="Intégrateur web — Pantin", site__departement="93", site__commune="Pantin")
    EligibilityRuleSetFactory(programme=session.programme, min_age=18, max_age=30)

    phone.goto(f"{live_server.url}/formations/?q=&track=web_developer&departement=93&open=on")
    assert phone.url.endswith("/formations/?track=web_developer&departement=93&open=on")
    count = phone.get_by_text("1 session trouvée")
    expect(count).to_be_visible()
    assert count.bounding_box()["y"] < PHONE["height"]  # results first, not under the filters
    assert_accessible(phone)

    phone.get_by_role("link", name="Intégrateur web — Pantin").click()
    apply_button = phone.get_by_role("link", name="Candidater à cette session").first
    expect(apply_button).to_be_visible()
    assert apply_button.bounding_box()["y"] < 2 * PHONE["height"]
    phone.get_by_role("link", name="Vérifiez en une minute si vous êtes éligible").click()
    phone.locator("#id_birth_date").fill("2001-04-12")
    phone.get_by_role("button", name="Vérifier mon éligibilité").click()
    expect(phone.get_by_text("Oui, vous semblez éligible.")).to_be_visible()
    expect(phone.locator(".eligibility-result").get_by_role("link", name="Candidater à cette session")).to_be_visible()
    assert_accessible(phone)


def test_my_data_pages_on_a_phone(require_chromium, live_server, phone):
    user = candidate()
    ApplicationFactory(candidate=user, submitted=True)
    login(phone, live_server, user)
    phone.goto(live_server.url + "/")
    phone.get_by_role("button", name="Ouvrir le menu").click()
    phone.get_by_role("button", name="Mon compte").click()
    phone.get_by_role("link", name="Mes données").click()
    assert_accessible(phone)
    phone.get_by_role("link", name="Voir mes données (à lire ou imprimer)").click()
    expect(phone.get_by_role("heading", level=1, name="Toutes les données que le portail a sur vous")).to_be_visible()
    assert_accessible(phone)
    phone.goto(live_server.url + "/compte/preferences/")
    assert_accessible(phone)
