"""Production settings (DJANGO_DEBUG=0), checked in a fresh process as a deployment would start."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "deployment",
    [
        pytest.param({"DJANGO_ALLOWED_HOSTS": "portal.example.org"}, id="direct"),
        # The environment of .ci/run's smoke test, with the proxies named.
        pytest.param(
            {
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "DJANGO_TRUSTED_PROXY_COUNT": "1",
                "DJANGO_TRUSTED_PROXIES": "127.0.0.1,10.0.0.0/8",
            },
            id="behind a trusted proxy",
        ),
    ],
)
def test_check_deploy_is_clean_with_production_settings(deployment):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(45),
        **deployment,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="portal.example.org")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="short", DJANGO_ALLOWED_HOSTS="portal.example.org")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(45))

    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_static_files_collect_into_a_manifest(settings, tmp_path):
    """Production serves hashed names from the collectstatic manifest: every file a stylesheet
    or script refers to (fonts, source maps) must be there, or the deployment fails."""
    from django.core.management import call_command
    from django.templatetags.static import static

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    # (Django's setting_changed handler rebuilds the static storage from these settings.)
    call_command("collectstatic", interactive=False, verbosity=0)

    assert (tmp_path / "staticfiles.json").exists()
    assert re.fullmatch(r"/static/css/portal\.[0-9a-f]{12}\.css", static("css/portal.css"))


def _proxy_ssl_header(**env):
    production = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(45)}
    production["DJANGO_ALLOWED_HOSTS"] = "portal.example.org"
    code = (
        "from django.conf import settings; "
        "print(settings.SECURE_PROXY_SSL_HEADER, settings.TRUSTED_PROXY_COUNT, ','.join(settings.TRUSTED_PROXIES), "
        "settings.MIDDLEWARE[0])"
    )
    result = manage("shell", "-c", code, **production, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_x_forwarded_proto_is_ignored_without_a_trusted_proxy():
    """Finding 13: a client reaching gunicorn directly must not be able to claim HTTPS."""
    assert _proxy_ssl_header() == "None 0 127.0.0.0/8,::1 portal.proxy.ForwardedHeadersMiddleware"


def test_x_forwarded_proto_is_trusted_behind_a_configured_proxy():
    """Read from the header, and only from the trusted proxies' addresses (the outermost
    middleware drops it from any other: portal/tests/test_proxy.py)."""
    assert _proxy_ssl_header(DJANGO_TRUSTED_PROXY_COUNT="1", DJANGO_TRUSTED_PROXIES="10.0.0.2,192.168.10.0/24") == (
        "('HTTP_X_FORWARDED_PROTO', 'https') 1 10.0.0.2,192.168.10.0/24 portal.proxy.ForwardedHeadersMiddleware"
    )


def test_production_refuses_a_trusted_proxy_that_is_not_an_address():
    result = manage(
        "check",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(45),
        DJANGO_ALLOWED_HOSTS="portal.example.org",
        DJANGO_TRUSTED_PROXY_COUNT="1",
        DJANGO_TRUSTED_PROXIES="10.0.0.2,nginx.internal",
    )

    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXIES: 'nginx.internal' is not an IP address or network" in result.stderr
