"""Flash messages wait in the cache under a random token (portal.message_storage): shown once,
never written to the session, nothing personal in the cookie."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.message_storage import COOKIE_NAME, _cache_key
from portal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "un-mot-de-passe-solide"


@pytest.fixture
def awa():
    user = UserFactory(email="awa.diallo@example.org", password=PASSWORD, first_name="Awa", last_name="Diallo")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def log_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_a_message_is_shown_once_on_the_next_page_then_forgotten(client, awa):
    token = log_in(client, awa).cookies[COOKIE_NAME].value
    assert "Connexion avec Awa Diallo" in cache.get(_cache_key(token))

    shown = client.get(reverse("home"))
    again = client.get(reverse("home"))

    assert "Connexion avec Awa Diallo réussie" in shown.content.decode()
    assert shown.cookies[COOKIE_NAME].value == ""  # the cookie is deleted
    assert cache.get(_cache_key(token)) is None
    assert "Connexion avec Awa Diallo réussie" not in again.content.decode()


def test_showing_a_message_writes_nothing_to_the_database(client, awa):
    log_in(client, awa)

    with CaptureQueriesContext(connection) as queries:
        shown = client.get(reverse("home"))

    assert "réussie" in shown.content.decode()
    assert not [query["sql"] for query in queries if "django_session" in query["sql"]]


def test_logging_out_leaves_no_session_behind_and_says_so(client, awa):
    log_in(client, awa)
    client.get(reverse("home"))

    client.post(reverse("account_logout"))
    page = client.get(reverse("home")).content.decode()

    assert Session.objects.count() == 0  # the message did not need a new session
    assert "Vous êtes déconnecté(e)." in page


def test_a_planted_token_is_never_written_to(client, awa):
    planted = "A" * 43
    client.cookies[COOKIE_NAME] = planted

    response = log_in(client, awa)

    assert response.cookies[COOKIE_NAME].value != planted
    assert cache.get(_cache_key(planted)) is None
    assert "réussie" in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("value", ["", "not a token", "x" * 500, "../../etc"])
def test_a_cookie_that_is_not_a_token_is_ignored(client, value):
    client.cookies[COOKIE_NAME] = value

    response = client.get(reverse("home"))

    assert response.status_code == 200
