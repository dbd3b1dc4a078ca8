"""Login, sign-up and password reset keep working while Redis (the cache that holds django-allauth's
rate limits) is down, and the limits keep counting meanwhile (finding 5 of the December probe)."""

import pytest
import redis
from allauth.account.models import EmailAddress
from django.urls import reverse

from candidates.models import CandidateProfile
from candidates.tests.factories import candidate
from conftest import require
from portal import cache as failsafe
from portal.tests.redis_server import RedisServer

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-2017"


@pytest.fixture
def redis_server(tmp_path, settings, monkeypatch):
    """A real Redis of the test's own as the default cache (fail-safe backend), stopped at the end."""
    require(RedisServer.available(), "redis-server not found: apt-get install redis-server")
    server = RedisServer(tmp_path).start()
    monkeypatch.setattr(failsafe, "RETRY_AFTER", 0.2)
    failsafe._redis_down_until.clear()
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.FailSafeRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    yield server
    server.stop()
    failsafe._redis_down_until.clear()


def rate_limit_keys(server):
    return redis.Redis.from_url(server.url).keys("*allauth*rl*")


def log_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.fixture
def amina():
    user = candidate(user__email="amina@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_the_limits_live_in_redis_while_it_is_up(client, redis_server, amina):
    log_in(client, amina.email, "wrong")

    assert rate_limit_keys(redis_server)


def test_login_works_while_redis_is_down(client, redis_server, amina):
    redis_server.stop()

    response = log_in(client, amina.email)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(amina.pk)


def test_failed_logins_are_still_limited_while_redis_is_down(client, redis_server, amina):
    redis_server.stop()

    for _attempt in range(5):
        assert log_in(client, amina.email, "wrong").status_code == 200
    response = log_in(client, amina.email)

    assert "Trop de tentatives de connexion" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_up_and_password_reset_work_while_redis_is_down(client, redis_server, amina, mailoutbox):
    redis_server.stop()

    signup = client.post(
        reverse("account_signup"),
        {
            "email": "bilal@example.org",
            "password1": "Formation-Numerique-2017",
            "password2": "Formation-Numerique-2017",
            "privacy_consent": "on",
        },
    )
    client.logout()
    reset = client.post(reverse("account_reset_password"), {"email": amina.email})

    assert signup.status_code == 302
    assert CandidateProfile.objects.filter(user__email="bilal@example.org").exists()
    assert reset.status_code == 302


def test_redis_is_used_again_once_it_is_back(client, redis_server, amina):
    import time

    redis_server.stop()
    log_in(client, amina.email, "wrong")  # counted in memory
    redis_server.start()
    time.sleep(0.3)  # RETRY_AFTER

    log_in(client, amina.email, "wrong")

    assert rate_limit_keys(redis_server)


def test_redis_replies_are_parsed_in_c(redis_server):
    """hiredis (requirements.txt) parses Redis's replies: every cached page read costs less CPU than
    with redis-py's Python parser; the cache works the same through it."""
    from django.core.cache import cache
    from redis.utils import HIREDIS_AVAILABLE

    connection = redis.Redis.from_url(redis_server.url).connection_pool.get_connection()
    assert HIREDIS_AVAILABLE and type(connection._parser).__name__ == "_HiredisParser"
    cache.set_many({"page": "é" * 50_000, "generation": 3})
    assert cache.get_many(["page", "generation", "missing"]) == {"page": "é" * 50_000, "generation": 3}
