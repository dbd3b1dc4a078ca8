"""FranceConnect (candidates) and ProConnect (professionals): the State's OpenID Connect federations,
through django-allauth's ``openid_connect`` provider with what they need on top of it.

- A ``nonce`` in every authorization request, checked in the ID token (FranceConnect requires it).
- Userinfo answered as a signed JWT (``application/jwt``, FranceConnect v2): its signature is checked
  against the provider's keys, with its issuer, audience and subject.
- PKCE (``OAUTH_PKCE_ENABLED``) and the ``acr_values`` of the settings.
- Logout at the provider too (``end_session_endpoint`` with the ID token as hint).
- FranceConnect's identity pivot is sent as ``identity_verified`` (the candidates app fills the
  profile from it, marked verified); an existing account is linked only once its owner signed in.
- ProConnect never creates an account: it signs in an existing professional account with the same
  email (the account was created by staff: that is the invitation), within the allowed email
  domains. Its sign-in counts as a second factor when its ``acr``/``amr`` say so.
"""

import datetime
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
import requests
from allauth.account.internal.decorators import login_not_required
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.stages import AuthenticateStage as MFAAuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.dispatch import Signal
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from .mfa import FEDERATED_STRONG_SESSION_KEY
from .policy import is_professional

logger = logging.getLogger(__name__)

FRANCECONNECT = "franceconnect"
PROCONNECT = "proconnect"
LOGOUT_SESSION_KEY = "portal_federated_logout"

# Sent when FranceConnect vouched for a person's identity (sign-up, sign-in, linking), with
# ``request``, ``user`` and ``identity`` (a VerifiedIdentity). The candidates app fills the profile.
identity_verified = Signal()


@dataclass(frozen=True)
class VerifiedIdentity:
    """FranceConnect's identity pivot."""

    provider: str
    given_names: str
    family_name: str
    birth_date: datetime.date | None
    birth_place: str  # INSEE code of the commune of birth ("" when born abroad)
    birth_country: str  # INSEE code of the country of birth (99100: France)
    gender: str  # "female" or "male"
    verified_at: datetime.datetime

    @classmethod
    def from_claims(cls, provider, claims):
        try:
            birth_date = datetime.date.fromisoformat(claims.get("birthdate") or "")
        except ValueError:
            birth_date = None
        return cls(
            provider=provider,
            given_names=claims.get("given_name") or "",
            family_name=claims.get("family_name") or "",
            birth_date=birth_date,
            birth_place=claims.get("birthplace") or "",
            birth_country=claims.get("birthcountry") or "",
            gender=claims.get("gender") or "",
            verified_at=timezone.now(),
        )


def provider_of(sociallogin):
    return sociallogin.account.provider


def claims_of(sociallogin):
    data = sociallogin.account.extra_data or {}
    return data.get("userinfo") or data.get("id_token") or {}


def is_strong_federated_login(sociallogin):
    """A ProConnect sign-in whose assurance level (acr) or methods (amr) include a second factor."""
    if sociallogin is None or provider_of(sociallogin) != PROCONNECT:
        return False
    id_token = (sociallogin.account.extra_data or {}).get("id_token") or {}
    amr = id_token.get("amr") or []
    return id_token.get("acr") in settings.PROCONNECT["strong_acr_values"] or "mfa" in amr


def enabled_federations():
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return {app["provider_id"] for app in apps}


def buttons(request):
    """(context processor) Which federation buttons the sign-in pages show."""
    enabled = enabled_federations()
    return {"franceconnect_enabled": FRANCECONNECT in enabled, "proconnect_enabled": PROCONNECT in enabled}


# --- The OpenID Connect exchange ---------------------------------------------------------------


class FederationAdapter(OpenIDConnectOAuth2Adapter):
    state = None  # the stashed state of this sign-in, set by FederationCallbackView

    def _fetch_user_info(self, access_token):
        headers = {"Authorization": f"Bearer {access_token}"}
        with get_social_adapter().get_requests_session() as session:
            response = session.get(self.profile_url, headers=headers)
            response.raise_for_status()
        if response.headers.get("Content-Type", "").split(";")[0].strip() == "application/jwt":
            return self._verified_jwt(response.text)
        return response.json()

    def _verified_jwt(self, credential):
        app = self.get_provider().app
        try:
            algorithm, key = jwtkit.fetch_key(credential, self.openid_config["jwks_uri"], jwtkit.lookup_kid_jwk)
            return jwt.decode(
                credential,
                key=key,
                algorithms=[algorithm],
                issuer=self.openid_config["issuer"],
                audience=app.client_id,
                options={"require": ["sub"]},
            )
        except jwt.PyJWTError as error:
            raise OAuth2Error("Invalid signed userinfo") from error

    def complete_login(self, request, app, token, **kwargs):
        login = super().complete_login(request, app, token, **kwargs)
        data = login.account.extra_data
        id_token = data.get("id_token") or {}
        expected = (self.state or {}).get("nonce") or ""
        if not expected or not secrets.compare_digest(str(id_token.get("nonce", "")), expected):
            raise OAuth2Error("The ID token's nonce is not this sign-in's")
        if data.get("userinfo") and data["userinfo"].get("sub") != id_token.get("sub"):
            raise OAuth2Error("The userinfo is not about the ID token's subject")
        # Kept for the logout at the provider (its end_session_endpoint asks for it).
        self.state["id_token_hint"] = kwargs["response"].get("id_token")
        return login


class FederationCallbackView(OAuth2CallbackView):
    def _get_state(self, request, provider):
        state, response = super()._get_state(request, provider)
        self.adapter.state = state
        return state, response


class FederationProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider, with a nonce in every request (settings:
    ``SOCIALACCOUNT_PROVIDERS["openid_connect"]["provider_class"]``); its URLs are
    ``portal.identity.urls``."""

    package = "portal.identity"
    oauth2_adapter_class = FederationAdapter

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(32)
        auth_params = {**(kwargs.pop("auth_params", None) or self.get_auth_params()), "nonce": nonce}
        return super().redirect(request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs)

    def extract_common_fields(self, data):
        fields = super().extract_common_fields(data)
        claims = data.get("userinfo") or data.get("id_token") or {}
        if claims.get("usual_name"):  # ProConnect's family name
            fields["last_name"] = claims["usual_name"]
        return fields


@login_not_required
def login_view(request, provider_id):
    try:
        return OAuth2LoginView.adapter_view(FederationAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist as error:
        raise Http404 from error


@login_not_required
def callback_view(request, provider_id):
    try:
        return FederationCallbackView.adapter_view(FederationAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist as error:
        raise Http404 from error


# --- Accounts ----------------------------------------------------------------------------------


def proconnect_account_for(email):
    """The professional account ProConnect may sign in for ``email``, or None."""
    email = (email or "").strip()
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if user is None or not is_professional(user):
        return None
    allowed = [domain.lower().lstrip("@") for domain in settings.PROCONNECT["allowed_domains"]]
    if allowed and email.rsplit("@", 1)[-1].lower() not in allowed:
        return None
    return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return provider_of(sociallogin) == FRANCECONNECT

    def pre_social_login(self, request, sociallogin):
        if provider_of(sociallogin) != PROCONNECT or sociallogin.is_existing:
            return
        if sociallogin.state.get("process") == "connect" and request.user.is_authenticated:
            user = request.user if is_professional(request.user) else None
        else:
            user = proconnect_account_for(claims_of(sociallogin).get("email"))
        if user is None:
            response = render(request, "account/proconnect_refused.html", status=403)
            raise ImmediateHttpResponse(response)
        if sociallogin.state.get("process") != "connect":
            sociallogin.connect(request, user)


class AuthenticateStage(MFAAuthenticateStage):
    """allauth's second-factor step, skipped when ProConnect already vouched for a second factor."""

    def _should_handle(self, request):
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if is_strong_federated_login(sociallogin):
            return False
        return super()._should_handle(request)


def on_login(sender, request, user, sociallogin=None, **kwargs):
    """(user_logged_in) Remember how to log out at the provider; a strong ProConnect sign-in is a
    second factor; FranceConnect's identity is sent to the profile."""
    if sociallogin is None or provider_of(sociallogin) not in (FRANCECONNECT, PROCONNECT):
        return
    remember_for_logout(request, sociallogin)
    if is_strong_federated_login(sociallogin):
        id_token = sociallogin.account.extra_data.get("id_token") or {}
        request.session[FEDERATED_STRONG_SESSION_KEY] = {
            "user": user.pk,
            "provider": PROCONNECT,
            "acr": id_token.get("acr"),
            "amr": id_token.get("amr") or [],
        }
    announce_identity(request, user, sociallogin)


def on_account_added(sender, request, sociallogin, **kwargs):
    """(social_account_added) An existing account, its owner signed in, linked to FranceConnect."""
    if provider_of(sociallogin) in (FRANCECONNECT, PROCONNECT):
        remember_for_logout(request, sociallogin)
    announce_identity(request, sociallogin.user, sociallogin)


def on_signed_up(sender, request, user, sociallogin=None, **kwargs):
    """(user_signed_up) A FranceConnect sign-up: the profile is filled before the email is confirmed."""
    if sociallogin is not None and provider_of(sociallogin) in (FRANCECONNECT, PROCONNECT):
        # The person is signed in at the provider in this browser: logging out of the portal later
        # (once the email is confirmed) ends that session too.
        remember_for_logout(request, sociallogin)
        announce_identity(request, user, sociallogin)


def announce_identity(request, user, sociallogin):
    if provider_of(sociallogin) == FRANCECONNECT and user is not None and user.pk:
        identity = VerifiedIdentity.from_claims(FRANCECONNECT, claims_of(sociallogin))
        identity_verified.send(sender=VerifiedIdentity, request=request, user=user, identity=identity)


def remember_for_logout(request, sociallogin):
    id_token = sociallogin.state.get("id_token_hint")
    if id_token:
        request.session[LOGOUT_SESSION_KEY] = {
            "provider": sociallogin.account.get_provider().sub_id,
            "id_token": id_token,
        }


def end_session_url(request, federated):
    """Where to send the browser so that the provider's session ends too, then back home."""
    try:
        adapter = FederationAdapter(request, federated["provider"])
        endpoint = adapter.openid_config.get("end_session_endpoint")
    except (requests.RequestException, SocialApp.DoesNotExist, KeyError, ValueError):
        logger.warning("federated logout: the provider's configuration could not be read")
        return None
    if not endpoint:
        return None
    params = {
        "id_token_hint": federated["id_token"],
        "state": secrets.token_urlsafe(16),
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("home")),
    }
    return f"{endpoint}?{urlencode(params)}"
