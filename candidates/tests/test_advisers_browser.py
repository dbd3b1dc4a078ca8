"""The advisers' journey in a real browser, at phone and desktop size, with axe on every page: an
adviser applies with and for someone, the person confirms from the email, the centre sees
« orienté par » and offers a seat, the person accepts it, and the adviser is told each time."""

import re

import pytest
from playwright.sync_api import expect

from candidates import screening, services
from candidates.models import Application
from candidates.tests.factories import AdviserOrganisationFactory, adviser
from candidates.tests.samples import MOTIVATION, PDF
from candidates.workflow import Status
from portal.models import OutgoingEmail
from portal.tests.browser import assert_accessible, login
from portal.tests.factories import municipal_staff
from programmes.models import QualificationLevel
from programmes.tests.factories import SessionFactory, centre_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("size", SIZES)
def test_an_adviser_applies_for_someone_who_confirms_and_is_offered_a_seat(
    require_chromium, live_server, page, size, tmp_path
):
    page.set_viewport_size(SIZES[size])
    page.set_default_timeout(15_000)
    session = SessionFactory(name="Développeur web — Paris 20e", site__commune="Paris")
    organisation = AdviserOrganisationFactory(name="France Travail Paris 20e", kind="france_travail")
    karim = adviser(organisation, user__first_name="Karim", user__last_name="Haddad")

    # The adviser registers the person and fills their profile with them.
    login(page, live_server, karim)
    page.goto(f"{live_server.url}/conseillers/")
    expect(page.get_by_role("heading", name="Personnes accompagnées")).to_be_visible()
    assert_accessible(page)
    page.locator("main .btn", has_text="Ajouter une personne").click()
    page.get_by_label("Adresse e-mail de la personne").fill("awa.diallo@example.org")
    page.get_by_label("Prénom").fill("Awa")
    page.get_by_label("Nom", exact=True).fill("Diallo")
    assert_accessible(page)
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_role("heading", name="Awa Diallo")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Remplir le profil avec la personne").click()
    page.locator("#id_birth_date").fill("1999-04-12")
    page.locator("#id_gender_0").check()
    page.locator("#id_postcode").fill("75020")
    page.locator("#id_commune").fill("Paris")
    page.locator("#id_lives_in_qpv_1").check()
    page.locator("#id_qualification_level").select_option(str(QualificationLevel.LEVEL_4.value))
    page.locator("#id_is_job_seeker_1").check()
    page.locator("#id_receives_rsa_1").check()
    page.locator("#id_has_rqth_1").check()
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer le profil").click()
    expect(page.get_by_text("Le profil est enregistré.")).to_be_visible()

    # Then the application: motivation, CV, and « Envoyer à la personne pour accord ».
    page.get_by_label("Session de formation").select_option(str(session.pk))
    page.get_by_role("button", name="Préparer une candidature").click()
    page.get_by_label("Pourquoi voulez-vous suivre cette formation ?").fill(MOTIVATION)
    page.get_by_role("button", name="Enregistrer la motivation").click()
    cv = tmp_path / "cv.pdf"
    cv.write_bytes(PDF)
    page.get_by_label("Type de document").select_option("cv")
    page.get_by_label("Fichier").set_input_files(str(cv))
    page.get_by_role("button", name="Ajouter le document").click()
    expect(page.get_by_text("Document ajouté : cv.pdf.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Envoyer à la personne pour accord").click()
    expect(page.get_by_text("Rien n'est transmis avant son accord.")).to_be_visible()
    application = Application.objects.get(candidate__email="awa.diallo@example.org")
    assert application.status == Status.AWAITING_CONFIRMATION

    # The person confirms from the email: accord, password, then « Confirmer et envoyer ».
    email = OutgoingEmail.objects.get(kind="adviser_accord_request")
    path = re.search(r"/accord/\S+/", email.body_text).group(0)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", name="France Travail Paris 20e vous accompagne")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("J'accepte que cette organisation m'accompagne dans mes candidatures").check()
    page.get_by_label("Choisissez un mot de passe").fill("une phrase de passe solide 2026")
    page.get_by_role("button", name="Donner mon accord").click()
    expect(page.get_by_text("Merci, votre accord est enregistré.")).to_be_visible()
    page.goto(f"{live_server.url}/mes-candidatures/{application.reference}/")
    page.get_by_role("link", name="Confirmer et envoyer la candidature").click()
    assert_accessible(page)
    page.get_by_role("button", name="Oui, j'envoie ma candidature").click()
    expect(page.get_by_text("Votre candidature est envoyée.")).to_be_visible()
    application.refresh_from_db()
    if application.status == Status.SUBMITTED:  # the screening task, if it did not run eagerly
        screening.screen(application.pk)
    application.refresh_from_db()
    if application.status == Status.TO_BE_CHECKED:  # the City checks a document, then decides
        services.transition(application, "mark_eligible", actor=municipal_staff())
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE

    # The centre sees who oriented the person, and offers a seat.
    login(page, live_server, centre_staff(session.site.provider))
    page.goto(f"{live_server.url}/centre/sessions/{session.pk}/")
    expect(page.get_by_text("Orienté par France Travail Paris 20e")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Awa Diallo").click()
    expect(page.locator("[data-oriented-by]")).to_contain_text("France Travail Paris 20e (France Travail)")
    assert_accessible(page)
    page.get_by_role("link", name="Proposer une place").click()
    page.get_by_role("button", name="Oui, proposer la place").click()
    expect(page.get_by_text("Une place a été proposée au candidat.")).to_be_visible()
    application.refresh_from_db()
    assert application.status == Status.SEAT_OFFERED

    # The person accepts the seat.
    login(page, live_server, application.candidate)
    page.goto(f"{live_server.url}/mes-candidatures/{application.reference}/")
    page.get_by_role("link", name="Accepter la place").click()
    page.get_by_role("button", name="Oui, accepter la place").click()
    expect(page.locator(".alert-success")).to_contain_text("Vous avez accepté la place.")

    # The adviser was told of each step, and sees where it stands.
    kinds = list(OutgoingEmail.objects.filter(recipient_user=karim).values_list("kind", flat=True).order_by("pk"))
    assert kinds.count("adviser_offers") == 1 and "adviser_status_changes" in kinds
    accepted = OutgoingEmail.objects.filter(recipient_user=karim, kind="adviser_status_changes").order_by("pk").last()
    assert "est maintenant : Place acceptée" in accepted.body_text
    login(page, live_server, karim)
    page.goto(f"{live_server.url}/conseillers/")
    expect(page.locator("#supported-people")).to_contain_text("Place acceptée")
    assert_accessible(page)
