"""Passwords are hashed with Argon2id (portal.hashers); older hashes are upgraded at login."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher, make_password
from django.urls import reverse

from portal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-2017"
# The production list (the test settings use a fast hasher).
PRODUCTION_HASHERS = [
    "portal.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]


@pytest.fixture(autouse=True)
def production_hashers(settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS


def test_the_production_settings_hash_with_argon2id_first():
    from portal import settings as production

    assert production.PASSWORD_HASHERS == PRODUCTION_HASHERS


def test_new_passwords_are_argon2id_at_owasp_cost():
    encoded = make_password(PASSWORD)

    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def older_hash(name):
    """A hash made before this change: PBKDF2, or Argon2 at Django's own cost (100 MiB, 8 lanes)."""
    hasher = {"pbkdf2": PBKDF2PasswordHasher(), "argon2": Argon2PasswordHasher()}[name]
    return hasher.encode(PASSWORD, hasher.salt())


@pytest.mark.parametrize("hasher", ["pbkdf2", "argon2"])
def test_an_older_hash_is_upgraded_at_login(client, hasher):
    user = UserFactory(email="karim@example.org", password=None)
    user.password = older_hash(hasher)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    assert not user.password.startswith("argon2$argon2id$v=19$m=19456")

    response = client.post(reverse("account_login"), {"login": "karim@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("preferences")).status_code == 200  # logged in
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(PASSWORD)


def test_a_wrong_password_upgrades_nothing(client):
    user = UserFactory(email="karim@example.org", password=None)
    user.password = older_hash("pbkdf2")
    user.save()

    client.post(reverse("account_login"), {"login": "karim@example.org", "password": "pas-le-bon"})

    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")
