"""A real OpenID Connect provider on loopback for the tests (node-oidc-provider, portal/tests/oidc/),
set up as FranceConnect or ProConnect would be: their scopes and claims, acr values, signed userinfo,
PKCE, RP-initiated logout. ``.ci/run`` installs it from the npm registry (``npm ci --prefix
portal/tests/oidc``); without Node.js or the package, the tests skip with the reason (and fail in CI).
"""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from conftest import require
from portal.tests.redis_server import free_port, stop_process

FOLDER = Path(__file__).parent / "oidc"

FRANCECONNECT_SCOPES = ["given_name", "family_name", "birthdate", "birthplace", "birthcountry", "gender", "email"]
PROCONNECT_SCOPES = {"email": ["email"], "given_name": ["given_name"], "usual_name": ["usual_name"]}
PROCONNECT_SCOPES.update({"uid": ["uid"], "siret": ["siret"]})

# FranceConnect's identity pivot, as its identity providers send it.
AMINA = {
    "sub": "fc-amina-b6e0a5c4",
    "given_name": "Amina Fatou",
    "family_name": "DIALLO",
    "birthdate": "2002-04-12",
    "birthplace": "93055",
    "birthcountry": "99100",
    "gender": "female",
    "email": "amina.diallo@example.org",
}
BILAL = {
    "sub": "fc-bilal-41d2",
    "given_name": "Bilal",
    "family_name": "HADDAD",
    "birthdate": "1999-11-03",
    "birthplace": "75056",
    "birthcountry": "99100",
    "gender": "male",
    "email": "bilal.haddad@example.org",
}


def require_provider():
    require(shutil.which("node"), "Node.js not found (apt-get install nodejs npm): the OpenID Connect tests need it")
    require(
        (FOLDER / "node_modules" / "oidc-provider").exists(),
        "the test OpenID Connect provider is not installed: npm ci --prefix portal/tests/oidc",
    )


class OIDCProvider:
    """One node-oidc-provider process; ``issuer`` is its URL; stopped by its PID."""

    def __init__(self, *, directory, name, client_id, client_secret, portal_url, identities, scopes, acr_values):
        self.name = name
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client_id = client_id
        self.client_secret = client_secret
        self.config_path = directory / f"{name}-provider.json"
        self.log_path = directory / f"{name}-provider.log"
        self.config = {
            "port": self.port,
            "clients": [
                {
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "redirect_uris": [f"{portal_url}/comptes/oidc/{name}/login/callback/"],
                    "post_logout_redirect_uris": [f"{portal_url}/"],
                    "token_endpoint_auth_method": "client_secret_post",
                    "id_token_signed_response_alg": "RS256",
                    "userinfo_signed_response_alg": "RS256",
                }
            ],
            "identities": identities,
            "acrValues": acr_values,
            "scopes": scopes,
        }
        self.process = None

    def start(self, timeout=20):
        self.config_path.write_text(json.dumps(self.config))
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                ["node", str(FOLDER / "provider.mjs"), str(self.config_path)],
                cwd=FOLDER,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "NODE_ENV": "test"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "listening" in self.log():
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the OpenID Connect provider did not start:\n{self.log()}")

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self):
        stop_process(self.process)

    def app_settings(self, *, scopes, acr_values, prompt=""):
        """The portal's SOCIALACCOUNT_PROVIDERS app for this provider (as portal.settings builds it)."""
        auth_params = {"acr_values": acr_values}
        if prompt:
            auth_params["prompt"] = prompt
        return {
            "provider_id": self.name,
            "name": {"franceconnect": "FranceConnect", "proconnect": "ProConnect"}[self.name],
            "client_id": self.client_id,
            "secret": self.client_secret,
            "settings": {
                "server_url": self.issuer,
                "scope": scopes,
                "auth_params": auth_params,
                "token_auth_method": "client_secret_post",
            },
        }


def franceconnect(directory, portal_url, identities):
    """``identities``: login -> claims (signed in at eidas1 with a password, as most are)."""
    identities = {login: (claims, "eidas1", ["pwd"]) for login, claims in identities.items()}
    return _federation("franceconnect", directory, portal_url, identities, {s: [s] for s in FRANCECONNECT_SCOPES})


def proconnect(directory, portal_url, identities):
    """``identities``: login -> (claims, acr, amr)."""
    return _federation("proconnect", directory, portal_url, identities, PROCONNECT_SCOPES)


def _federation(name, directory, portal_url, identities, scopes):
    return OIDCProvider(
        directory=directory,
        name=name,
        client_id=f"portail-formations-numeriques-{name}",
        client_secret=f"{name}-test-secret-" + "x" * 32,
        portal_url=portal_url,
        identities={login: {"claims": c, "acr": acr, "amr": amr} for login, (c, acr, amr) in identities.items()},
        scopes=scopes,
        acr_values=["eidas1", "eidas2", "eidas3"],
    )


def configure_portal(settings, *providers, scopes=None):
    """Point the portal's settings at these providers (what portal.settings builds from the
    environment), form-action of the CSP included."""
    apps = []
    for provider in providers:
        default_scopes = (
            ["openid", *FRANCECONNECT_SCOPES] if provider.name == "franceconnect" else ["openid", *PROCONNECT_SCOPES]
        )
        apps.append(provider.app_settings(scopes=scopes or default_scopes, acr_values="eidas1"))
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {**settings.SOCIALACCOUNT_PROVIDERS["openid_connect"], "APPS": apps}
    }
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "DIRECTIVES": {**directives, "form-action": [*directives["form-action"], *(p.issuer for p in providers)]},
    }
