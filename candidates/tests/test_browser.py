"""The candidate's whole path in a real browser, in French, at desktop and phone sizes, with axe
on every page: sign up, verify the email, fill the profile, check eligibility, apply with a PDF,
see the application and its timeline, withdraw."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from candidates.models import Application
from candidates.tests.samples import MOTIVATION, PDF
from candidates.workflow import Status
from portal.tests.browser import assert_accessible
from programmes.models import QualificationLevel
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE_VIEWPORT = {"width": 390, "height": 844}
EMAIL = "awa.diallo@example.org"
PASSWORD = "Formation-Numerique-2017"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR"}


@pytest.fixture
def session_with_rules(transactional_db):
    session = SessionFactory(
        name="Intégrateur web — Pantin",
        site__commune="Pantin",
        site__departement="93",
        audience_description="Jeunes de 18 à 30 ans habitant la Seine-Saint-Denis.",
    )
    EligibilityRuleSetFactory(
        programme=session.programme,
        min_age=18,
        max_age=30,
        max_qualification_level=QualificationLevel.LEVEL_4,
        allowed_departements=["93"],
    )
    return session


def verification_link():
    for message in reversed(mail.outbox):
        if EMAIL in message.to:
            match = re.search(r"https?://\S+/comptes/confirm-email/\S+", message.body)
            if match:
                return match.group(0)
    raise AssertionError(f"no verification email in {[m.subject for m in mail.outbox]}")


@pytest.mark.parametrize("viewport", [None, MOBILE_VIEWPORT], ids=["desktop", "phone"])
def test_candidate_path_from_sign_up_to_withdrawal(
    require_chromium, live_server, page, session_with_rules, tmp_path, viewport
):
    page.set_default_timeout(10_000)
    if viewport:
        page.set_viewport_size(viewport)
    session_url = live_server.url + session_with_rules.get_absolute_url()

    # Sign up.
    page.goto(live_server.url + "/comptes/signup/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1, name="Créer un compte")).to_be_visible()
    assert_accessible(page)
    page.locator("#id_email").fill(EMAIL)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    # Forgetting consent keeps what was typed and says why.
    expect(
        page.get_by_text("Pour créer un compte, vous devez accepter la politique de confidentialité.", exact=True)
    ).to_be_visible()
    # The error summary at the top has the focus, and its link leads to the field.
    expect(page.locator("[data-error-summary]")).to_be_focused()
    page.locator("[data-error-summary] a").first.click()
    expect(page.locator("#id_privacy_consent")).to_be_focused()
    expect(page.locator("#id_email")).to_have_value(EMAIL)
    assert_accessible(page)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("#id_privacy_consent").check()
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1, name="Confirmez votre adresse e-mail")).to_be_visible()
    assert_accessible(page)

    # Verify the email: the link is read from the test mailbox.
    page.goto(verification_link())
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer mon adresse").click()

    # Fill the profile.
    expect(page.get_by_role("heading", level=1, name="Mon profil")).to_be_visible()
    assert_accessible(page)
    page.locator("#id_first_name").fill("Awa")
    page.locator("#id_last_name").fill("Diallo")
    page.locator("#id_birth_date").fill("2001-04-12")
    page.get_by_label("Femme").check()
    page.locator("#id_postcode").fill("93500")
    page.locator("#id_commune").fill("Pantin")
    page.locator("#id_lives_in_qpv_0").check()
    page.locator("#id_is_job_seeker_0").check()
    page.locator("#id_qualification_level").select_option(str(QualificationLevel.LEVEL_4.value))
    page.locator("#id_receives_rsa_1").check()
    page.locator("#id_has_rqth_1").check()
    page.get_by_role("button", name="Enregistrer mon profil").click()
    expect(page.get_by_text("Votre profil est enregistré.")).to_be_visible()
    assert_accessible(page)

    # The session page answers « Suis-je éligible ? » from her profile at once; she may check
    # with other answers (the form, filled from the profile).
    page.goto(session_url)
    expect(page.get_by_role("heading", level=2, name="Suis-je éligible ?")).to_be_visible()
    expect(page.get_by_text("D'après les réponses de votre profil :")).to_be_visible()
    expect(page.get_by_text("Oui, vous semblez éligible.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Vérifier avec d'autres réponses").click()
    expect(page.locator("#id_postcode")).to_have_value("93500")
    page.get_by_role("button", name="Vérifier mon éligibilité").click()
    expect(page.get_by_text("Oui, vous semblez éligible.")).to_be_visible()
    assert_accessible(page)

    # Apply with a PDF: the result's button starts the application, its first step next.
    page.locator(".eligibility-result").get_by_role("button", name="Candidater à cette session").click()
    expect(page.get_by_text("Étape 1 sur 4")).to_be_visible()
    # Her profile is complete: shown to be checked; « Modifier » opens the form, filled.
    expect(page.get_by_text("93500 Pantin")).to_be_visible()
    expect(page.get_by_role("button", name="Mes informations sont exactes : continuer")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Modifier mes informations").click()
    expect(page.locator("#id_postcode")).to_have_value("93500")
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_text("Étape 2 sur 4")).to_be_visible()
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_text("Écrivez quelques phrases sur votre motivation.", exact=True)).to_be_visible()
    assert_accessible(page)
    page.locator("#id_motivation").fill(MOTIVATION)
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_text("Étape 3 sur 4")).to_be_visible()
    assert_accessible(page)
    cv = tmp_path / "mon-cv.pdf"
    cv.write_bytes(PDF)
    page.locator("#id_file").set_input_files(str(cv))
    page.get_by_role("button", name="Ajouter ce document").click()
    expect(page.get_by_text("Document ajouté : mon-cv.pdf.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_text("Étape 4 sur 4")).to_be_visible()
    expect(page.get_by_text(MOTIVATION)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Envoyer ma candidature").click()

    # The application and its timeline.
    expect(page.get_by_text("Votre candidature est envoyée.")).to_be_visible()
    expect(page.get_by_text("Vous avez envoyé votre candidature.")).to_be_visible()
    assert_accessible(page)
    application = Application.objects.get(candidate__email=EMAIL)
    assert application.status != Status.DRAFT
    assert application.events.filter(transition="submit").count() == 1

    # Withdraw.
    page.get_by_role("link", name="Retirer ma candidature").click()
    expect(page.get_by_text("Voulez-vous vraiment retirer votre candidature ?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Oui")).click()
    expect(page.get_by_text("Votre candidature est retirée.")).to_be_visible()
    expect(page.get_by_text("Vous avez retiré votre candidature.")).to_be_visible()
    assert_accessible(page)
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN

    page.goto(live_server.url + "/mes-candidatures/")
    expect(page.get_by_role("heading", level=2, name="Intégrateur web — Pantin")).to_be_visible()
    assert_accessible(page)


def test_catalogue_and_personal_data_pages_are_accessible(require_chromium, live_server, page, session_with_rules):
    page.set_viewport_size(MOBILE_VIEWPORT)
    page.goto(live_server.url + "/formations/?q=intégrateur&open=on")
    expect(page.get_by_role("link", name="Intégrateur web — Pantin")).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/programmes/")
    assert_accessible(page)
    page.goto(live_server.url + "/confidentialite/")
    assert_accessible(page)
    page.goto(live_server.url + "/comptes/login/")
    assert_accessible(page)
    page.goto(live_server.url + "/comptes/password/reset/")
    assert_accessible(page)


def test_candidate_space_pages_are_accessible(require_chromium, live_server, page, session_with_rules):
    """The pages the main path does not cross: an offered seat with an appointment and a message,
    the personal data page, email and password changes."""
    import datetime

    from django.utils import timezone

    from candidates.models import ApplicationMessage, Appointment
    from candidates.tests.factories import ApplicationDocumentFactory, AppointmentFactory, application_in, candidate
    from portal.tests.browser import login

    user = candidate()
    application = application_in(Status.SEAT_OFFERED, candidate=user, session=session_with_rules)
    ApplicationDocumentFactory(application=application)
    AppointmentFactory(
        application=application,
        kind=Appointment.Kind.INTERVIEW,
        starts_at=timezone.now() + datetime.timedelta(days=2),
        place="12 avenue Jean Jaurès, Pantin",
        what_to_bring="Votre CV imprimé",
    )
    ApplicationMessage.objects.create(application=application, visibility="to_candidate", body="À bientôt !")
    page.set_default_timeout(10_000)
    page.set_viewport_size(MOBILE_VIEWPORT)
    login(page, live_server, user)

    page.goto(live_server.url + f"/mes-candidatures/{application.reference}/")
    expect(page.get_by_text("12 avenue Jean Jaurès, Pantin")).to_be_visible()
    expect(page.get_by_role("link", name="Accepter la place")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Accepter la place").click()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Oui")).click()
    expect(page.get_by_text("Vous avez accepté la place.").first).to_be_visible()
    # The start page, for a session she has not applied to (the session page starts at once).
    other = SessionFactory(programme=session_with_rules.programme, site=session_with_rules.site)
    page.goto(live_server.url + f"/sessions/{other.pk}/candidater/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Candidater")
    assert_accessible(page)
    for path in ("/mes-donnees/", "/comptes/email/", "/comptes/password/change/", "/mon-profil/"):
        page.goto(live_server.url + path)
        assert_accessible(page)
