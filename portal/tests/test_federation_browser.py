"""FranceConnect and ProConnect against a real OpenID Connect provider on loopback (node-oidc-provider
set up like them), driven in Chromium at phone size: the full authorization-code flow with PKCE,
nonce and signed userinfo; no mock of the exchange. Pages checked with axe."""

import datetime
import re
import time
from importlib import import_module

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from candidates.models import CandidateProfile
from candidates.tests.factories import candidate
from portal.models import User
from portal.tests.browser import assert_accessible
from portal.tests.factories import give_second_factor, municipal_staff
from portal.tests.oidc_provider import (
    AMINA,
    BILAL,
    configure_portal,
    franceconnect,
    proconnect,
    require_provider,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PASSWORD = "motdepasse-solide-2017"


@pytest.fixture
def fc(require_chromium, live_server, settings, tmp_path):
    require_provider()
    provider = franceconnect(tmp_path, live_server.url, {"amina": AMINA, "bilal": BILAL}).start()
    configure_portal(settings, provider)
    yield provider
    provider.stop()


@pytest.fixture
def pc(require_chromium, live_server, settings, tmp_path):
    require_provider()
    agent_claims = {
        "sub": "pc-claire",
        "email": "claire.dubois@paris.fr",
        "given_name": "Claire",
        "usual_name": "Dubois",
    }
    identities = {
        "claire-2fa": ({**agent_claims}, "eidas2", ["pwd", "otp"]),
        "claire-password": ({**agent_claims, "sub": "pc-claire-weak"}, "eidas1", ["pwd"]),
        "stranger": ({**agent_claims, "sub": "pc-stranger", "email": "inconnu@paris.fr"}, "eidas1", ["pwd"]),
    }
    provider = proconnect(tmp_path, live_server.url, identities).start()
    configure_portal(settings, provider)
    yield provider
    provider.stop()


def at_provider(page, provider):
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + r"/interaction/"))


def franceconnect_button(page):
    return page.get_by_role("button", name=re.compile("S'identifier avec\\s+FranceConnect"))


def confirm_email(page, live_server, address):
    message = next(m for m in reversed(mail.outbox) if address in m.to)
    link = re.search(r"https?://\S+/comptes/confirm-email/\S+", message.body).group(0)
    page.goto(link.replace("http://testserver", live_server.url))
    page.get_by_role("button", name=re.compile("Confirmer")).click()


def test_franceconnect_sign_up_fills_a_verified_profile_then_signs_in_and_out(fc, live_server, page):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/comptes/signup/")
    expect(page.get_by_role("link", name=re.compile("Qu'est-ce que FranceConnect"))).to_be_visible()
    assert_accessible(page)

    # First sign-up: FranceConnect, the provider's page, back with the identity pivot.
    franceconnect_button(page).click()
    at_provider(page, fc)
    expect(page.locator("#acr-values")).to_have_text("eidas1")
    page.get_by_role("button", name="Continuer en tant que amina").click()
    expect(page.get_by_role("heading", name="Créer votre compte avec FranceConnect")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_label("Adresse e-mail")).to_have_value(AMINA["email"])
    page.get_by_label(re.compile("J'ai lu et j'accepte")).check()
    page.get_by_role("button", name="Créer mon compte").click()
    confirm_email(page, live_server, AMINA["email"])

    user = User.objects.get(email=AMINA["email"])
    profile = CandidateProfile.objects.get(user=user)
    assert (user.first_name, user.last_name) == ("Amina Fatou", "DIALLO")
    assert profile.birth_date == datetime.date(2002, 4, 12)
    assert (profile.birth_place, profile.birth_country, profile.gender) == ("93055", "99100", "woman")
    assert profile.identity_verified_by == "franceconnect" and profile.identity_verified_at is not None
    assert SocialAccount.objects.filter(user=user, provider="franceconnect", uid=AMINA["sub"]).exists()

    # The verified fields are shown, not editable.
    page.goto(f"{live_server.url}/mon-profil/")
    expect(page.get_by_label("Date de naissance")).to_be_disabled()
    expect(page.get_by_label("Prénom")).to_be_disabled()
    expect(page.get_by_text("Vérifié par FranceConnect").first).to_be_visible()
    assert_accessible(page)

    # Logging out also ends the FranceConnect session.
    visited = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    page.get_by_role("button", name="Ouvrir le menu").click()
    page.get_by_role("button", name="Mon compte").click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/(\?state=[\w-]+)?$"))
    expect(page.get_by_text("Vous êtes déconnecté(e).")).to_be_visible()
    assert any(url.startswith(f"{fc.issuer}/session/end") for url in visited)
    assert not [c for c in page.context.cookies(fc.issuer) if c["name"].startswith("_session")]

    # Returning sign-in: straight in, to « Mes candidatures ».
    page.goto(f"{live_server.url}/comptes/login/")
    assert_accessible(page)
    franceconnect_button(page).click()
    at_provider(page, fc)  # asked again: the provider's session had ended
    page.get_by_role("button", name="Continuer en tant que amina").click()
    expect(page).to_have_url(f"{live_server.url}/mes-candidatures/")
    assert User.objects.filter(email=AMINA["email"]).count() == 1


def test_an_existing_account_is_linked_only_after_its_owner_signs_in(fc, live_server, page):
    page.set_viewport_size(PHONE)
    owner = candidate(user__email=BILAL["email"])
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)

    page.goto(f"{live_server.url}/comptes/login/")
    franceconnect_button(page).click()
    page.get_by_role("button", name="Continuer en tant que bilal").click()
    # Not linked, not signed in: FranceConnect's word on the email is not proof of owning the account.
    expect(page.get_by_role("link", name="connectez-vous d'abord avec votre mot de passe")).to_be_visible()
    assert_accessible(page)
    assert not SocialAccount.objects.filter(user=owner).exists()

    page.get_by_role("link", name="connectez-vous d'abord avec votre mot de passe").click()
    page.get_by_label("Adresse e-mail").fill(owner.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/comptes/3rdparty/"))
    assert_accessible(page)
    page.get_by_role("link", name="FranceConnect").click()
    assert_accessible(page)  # « Connecter FranceConnect » : a confirmation, then a POST
    page.get_by_role("button", name="Continuer").click()
    # Still signed in at FranceConnect from the first try: straight back, linked.
    expect(page).to_have_url(re.compile(r"/comptes/3rdparty/"))
    expect(page.get_by_text("Le compte social a bien été connecté.")).to_be_visible()

    assert SocialAccount.objects.filter(user=owner, provider="franceconnect", uid=BILAL["sub"]).exists()
    owner.candidate_profile.refresh_from_db()
    assert owner.candidate_profile.identity_verified_by == "franceconnect"
    assert owner.candidate_profile.birth_date == datetime.date(1999, 11, 3)


def test_refusing_at_franceconnect_signs_nobody_in(fc, live_server, page):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/comptes/login/")
    franceconnect_button(page).click()
    at_provider(page, fc)
    page.get_by_role("button", name="Refuser").click()

    expect(page).to_have_url(re.compile(r"/comptes/3rdparty/login/cancelled/"))
    assert_accessible(page)
    assert not User.objects.filter(email=AMINA["email"]).exists()
    assert "sessionid" not in {c["name"] for c in page.context.cookies(live_server.url)} or not _signed_in(
        page, live_server
    )


def portal_session(page, live_server):
    """The browser's portal session, through the configured session engine (cached or not)."""
    key = next(c["value"] for c in page.context.cookies(live_server.url) if c["name"] == "sessionid")
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)


def _signed_in(page, live_server):
    return "_auth_user_id" in portal_session(page, live_server).load()


def test_an_expired_state_is_refused(fc, live_server, page):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/comptes/login/")
    franceconnect_button(page).click()
    at_provider(page, fc)
    # Ten minutes and more at the provider: the portal's stashed state has expired.
    session = portal_session(page, live_server)
    session["socialaccount_states"] = {
        state_id: [state, timestamp - 601, *rest]
        for state_id, (state, timestamp, *rest) in session["socialaccount_states"].items()
    }
    session.save()
    page.get_by_role("button", name="Continuer en tant que amina").click()

    expect(page.get_by_role("heading", name=re.compile("Erreur|connexion", re.I)).first).to_be_visible()
    assert_accessible(page)
    assert not User.objects.filter(email=AMINA["email"]).exists()
    assert not _signed_in(page, live_server)


def test_proconnect_signs_in_existing_staff_and_counts_as_second_factor_when_it_says_so(pc, live_server, page):
    page.set_viewport_size(PHONE)
    agent = municipal_staff(email="claire.dubois@paris.fr", second_factor=False)
    EmailAddress.objects.create(user=agent, email=agent.email, verified=True, primary=True)
    users_before = User.objects.count()

    # A ProConnect sign-in with a second factor (acr eidas2): the admin opens, no code asked.
    page.goto(f"{live_server.url}/comptes/login/")
    expect(page.get_by_role("link", name=re.compile("Qu'est-ce que ProConnect"))).to_be_visible()
    page.get_by_role("button", name=re.compile("S'identifier avec\\s+ProConnect")).click()
    at_provider(page, pc)
    page.get_by_role("button", name="Continuer en tant que claire-2fa").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    page.context.clear_cookies()

    # Password only at ProConnect (eidas1), and the agent has an app set up: the portal asks its code.
    secret = give_second_factor(agent)
    page.goto(f"{live_server.url}/comptes/login/")
    page.get_by_role("button", name=re.compile("S'identifier avec\\s+ProConnect")).click()
    page.get_by_role("button", name="Continuer en tant que claire-password").click()
    expect(page).to_have_url(re.compile(r"/comptes/2fa/authenticate/"))
    from portal.tests.factories import current_totp_code

    page.get_by_role("textbox", name="Code").fill(current_totp_code(secret))
    page.get_by_role("button", name=re.compile("Connexion|Se connecter")).click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    page.context.clear_cookies()

    # No professional account at that address: refused, and no account is created.
    page.goto(f"{live_server.url}/comptes/login/")
    page.get_by_role("button", name=re.compile("S'identifier avec\\s+ProConnect")).click()
    page.get_by_role("button", name="Continuer en tant que stranger").click()
    expect(page.get_by_role("heading", name="Aucun compte professionnel pour cette adresse")).to_be_visible()
    assert_accessible(page)
    assert User.objects.count() == users_before
    time.sleep(0)
