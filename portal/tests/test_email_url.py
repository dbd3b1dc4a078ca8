"""EMAIL_URL as the README documents it: ``filemail:///path`` writes to that absolute path."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.email_url import email_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("filemail:///var/mail/portal", "/var/mail/portal"),
        ("filemail:///tmp/mails%20du%20portail", "/tmp/mails du portail"),
        ("filemail://var/mail", "var/mail"),
    ],
)
def test_filemail_path_is_read_as_written(url, path):
    config = email_config(url)
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert config["EMAIL_FILE_PATH"] == path


def test_other_schemes_keep_django_environ_reading():
    config = email_config("smtp+tls://user:secret@smtp.example.org:587")
    assert config["EMAIL_HOST"] == "smtp.example.org"
    assert config["EMAIL_PORT"] == 587
    assert config["EMAIL_USE_TLS"] is True
    assert config["EMAIL_HOST_USER"] == "user"


def test_settings_send_filemail_emails_to_the_absolute_folder(tmp_path):
    """The real settings module, in a fresh process with EMAIL_URL set as the README says."""
    folder = tmp_path / "mails"
    code = (
        "import django; django.setup();"
        "from django.core.mail import send_mail;"
        "send_mail('Sujet', 'Corps', 'a@example.org', ['b@example.org'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PYTHONPATH": str(ROOT),
        "EMAIL_URL": f"filemail://{folder}",
    }
    env.pop("ANYMAIL_ESP", None)
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True, timeout=60)
    written = list(folder.iterdir())
    assert len(written) == 1
    assert "Subject: Sujet" in written[0].read_text()
    assert not (tmp_path / str(folder).lstrip("/")).exists()
