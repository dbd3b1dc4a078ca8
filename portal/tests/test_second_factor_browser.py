"""Two-factor sign-in in a real browser, at phone size, checked with axe: a municipal agent without a
second factor is sent to the page that explains it, sets up an authenticator app with a real code,
keeps the recovery codes, signs in again with a code, sees their sessions, and adds a passkey
(Chromium's virtual authenticator, through the real WebAuthn API)."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from portal.tests.browser import assert_accessible
from portal.tests.factories import current_totp_code, municipal_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PASSWORD = "motdepasse-solide-2017"


def sign_in_with_password(page, live_server, email):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_an_agent_sets_up_and_uses_a_second_factor(require_chromium, live_server, page):
    page.set_viewport_size(PHONE)
    agent = municipal_staff(email="agent.mfa@paris.example.org", second_factor=False)
    EmailAddress.objects.create(user=agent, email=agent.email, verified=True, primary=True)

    # The admin is closed: the page explains why and how.
    sign_in_with_password(page, live_server, agent.email)
    expect(page).to_have_url(re.compile(r"/compte/securite/\?next=%2Fadmin%2F$"))
    expect(
        page.get_by_role("heading", name="La double authentification est obligatoire pour votre compte")
    ).to_be_visible()
    assert_accessible(page)

    # Setting up an authenticator app: the password again, then the code from the secret.
    page.get_by_role("link", name="Activer une application d'authentification").click()
    expect(page).to_have_url(re.compile(r"/comptes/reauthenticate/"))
    assert_accessible(page)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Confirmer")).click()
    expect(page).to_have_url(re.compile(r"/comptes/2fa/totp/activate/"))
    assert_accessible(page)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Code de l'authentificateur").fill(current_totp_code(secret))
    page.get_by_role("button", name="Activer").click()

    # Recovery codes, then the admin opens.
    expect(page).to_have_url(re.compile(r"/comptes/2fa/recovery-codes/"))
    assert_accessible(page)
    assert len(page.locator("#recovery_codes").input_value().split()) == 10
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()

    # Signing in again asks for the code.
    page.get_by_role("button", name=re.compile("Déconnexion|Se déconnecter")).first.click()
    sign_in_with_password(page, live_server, agent.email)
    expect(page).to_have_url(re.compile(r"/comptes/2fa/authenticate/"))
    assert_accessible(page)
    page.get_by_role("textbox", name="Code").fill(current_totp_code(secret))
    page.get_by_role("button", name=re.compile("Se connecter|Connexion|Valider")).click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()

    # Their sessions, and the security page now that it is set up.
    page.goto(f"{live_server.url}/comptes/sessions/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/compte/securite/")
    expect(page.get_by_text("activée", exact=True)).to_be_visible()
    assert_accessible(page)

    # A passkey, created by Chromium's virtual authenticator through navigator.credentials.
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    page.goto(f"{live_server.url}/comptes/2fa/webauthn/add/")
    if "/reauthenticate/" in page.url:
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("Confirmer")).click()
    assert_accessible(page)
    page.get_by_role("button", name="Ajouter").click()
    expect(page).not_to_have_url(re.compile(r"/webauthn/add/"))
    assert Authenticator.objects.filter(user=agent, type=Authenticator.Type.WEBAUTHN).exists()
