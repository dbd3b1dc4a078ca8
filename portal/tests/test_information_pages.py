"""Walk-through row 8: accessibility statement (RGAA 4.1 format, the real conformance state),
legal notice, complete privacy notice, help with a contact form reaching the municipal team
through the outbox, the footer mention — all editable by staff in the admin, in French and English."""

import html

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from candidates.tests.factories import candidate
from portal.accessibility import CHECKED_PAGES
from portal.information import get_page
from portal.models import InformationPage, OutgoingEmail
from portal.tests.factories import municipal_staff

pytestmark = pytest.mark.django_db

PAGES = [
    ("/accessibilite/", "Déclaration d'accessibilité", "Accessibility statement"),
    ("/mentions-legales/", "Mentions légales", "Legal notice"),
    ("/confidentialite/", "Politique de confidentialité", "Privacy notice"),
    ("/aide/", "Aide et contact", "Help and contact"),
]


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.mark.parametrize(("url", "title_fr", "title_en"), PAGES)
def test_each_page_in_french_and_english(client, url, title_fr, title_en):
    assert f'<h1 class="h2">{title_fr}</h1>' in text(client.get(url))
    client.cookies["django_language"] = "en"
    assert f'<h1 class="h2">{title_en}</h1>' in text(client.get(url))


def test_every_page_footer_links_them_and_states_the_conformance(client):
    content = client.get("/formations/").content.decode()
    for url, _fr, _en in PAGES:
        assert f'href="{url}"' in content
    assert "Accessibilité : non conforme" in content


def test_accessibility_statement_follows_the_rgaa_model(client):
    content = text(client.get("/accessibilite/"))
    for heading in (
        "État de conformité",
        "Résultats des tests",
        "Contenus non accessibles",
        "Établissement de cette déclaration",
        "Retour d'information et contact",
        "Voies de recours",
    ):
        assert heading in content, heading
    assert "article 47 de la loi n° 2005-102 du 11 février 2005" in content
    assert (
        "est <strong>non conforme</strong> avec le référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1"
        in content
    )
    assert "Aucun audit de conformité au RGAA n'a encore été réalisé" in content
    assert f"vérifient les {len(CHECKED_PAGES)} pages suivantes, sur téléphone et sur ordinateur" in content
    assert str(CHECKED_PAGES[0][0]) in content
    assert "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07" in content


def test_privacy_notice_is_complete(client):
    content = text(client.get("/confidentialite/"))
    for fact in (
        "Le responsable du traitement est la <strong>Ville de Paris</strong>",
        "Délégué à la protection des données",
        "article 6.1.e du RGPD",
        "article 9.2.a du RGPD",
        "RQTH : c'est une donnée de santé",
        "90 jours après l'envoi",
        "vos documents sont effacés 6 mois après la fin de la session",
        "vos candidatures sont anonymisées 24 mois après la fin de la session",
        "réclamation à la CNIL",
        "3 place de Fontenoy",
        "Je préfère ne pas répondre",
        "<table>",
    ):
        assert fact in content, fact


def test_privacy_notice_states_the_retention_job_settings(client, settings):
    settings.RETENTION_DOCUMENTS_MONTHS = 3
    content = text(client.get("/confidentialite/"))
    assert "vos documents sont effacés 3 mois après la fin de la session" in content
    assert "{documents_months}" not in content


def test_staff_edit_a_page_and_its_conformance_without_a_deployment(client):
    agent = municipal_staff()
    client.force_login(agent)
    page = get_page("accessibilite")
    url = reverse("admin:portal_informationpage_change", args=[page.pk])
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:portal_informationpage_add")).status_code == 403

    response = client.post(
        url,
        {
            "title_fr": page.title_fr,
            "body_fr": "## Nouveau\n\nUn audit a été fait.\n\n<script>alert(1)</script>",
            "title_en": page.title_en,
            "body_en": page.body_en,
            "conformance": "partial",
            "audit_rate": "72",
            "audited_on": "2027-01-15",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    content = text(client.get("/accessibilite/"))
    assert "<h2>Nouveau</h2>" in content and "Un audit a été fait." in content
    assert "<script>alert(1)</script>" not in client.get("/accessibilite/").content.decode()
    assert "72 % des critères du RGAA version 4.1 sont respectés" in content
    assert "Accessibilité : partiellement conforme" in client.get("/").content.decode()
    assert InformationPage.history.filter(slug="accessibilite").latest("history_date").history_user == agent


def test_only_staff_reach_the_pages_admin(client):
    page = get_page("aide")
    url = reverse("admin:portal_informationpage_change", args=[page.pk])
    client.force_login(candidate())
    assert client.get(url).status_code in (302, 403)


def test_contact_form_reaches_the_municipal_team_through_the_outbox(
    client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.CONTACT_EMAIL = "equipe@paris.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/aide/",
            {
                "name": "Nadia Benali",
                "email": "nadia@example.org",
                "topic": "accessibility",
                "message": "Je n'arrive pas à lire le PDF de la charte avec mon lecteur d'écran.",
            },
        )
    assert response.status_code == 302
    email = OutgoingEmail.objects.get(kind="contact_message")
    assert email.recipient == "equipe@paris.example.org"
    assert email.subject == "Message du portail : Un problème d'accessibilité (Nadia Benali)"
    assert "nadia@example.org" in email.body_text
    assert "Je n'arrive pas à lire le PDF de la charte" in email.body_text
    assert [m.to for m in mail.outbox] == [["equipe@paris.example.org"]]
    assert "Votre message est envoyé à l'équipe du portail" in text(client.get("/aide/"))


def test_contact_form_errors_keep_what_was_typed(client):
    response = client.post("/aide/", {"name": "Nadia", "email": "pas-une-adresse", "message": "Bonjour"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "data-error-summary" in content
    assert set(response.context["form"].errors) == {"email", "topic", "message"}
    assert 'value="Nadia"' in content
    assert not OutgoingEmail.objects.filter(kind="contact_message").exists()


def test_contact_form_is_rate_limited(client, django_capture_on_commit_callbacks):
    data = {"name": "N", "email": "n@example.org", "topic": "other", "message": "Un message assez long."}
    for _attempt in range(5):
        assert client.post("/aide/", data).status_code == 302
    response = client.post("/aide/", data)
    assert response.status_code == 200
    assert "réessayez dans une heure" in text(response)
    assert OutgoingEmail.objects.filter(kind="contact_message").count() == 5
