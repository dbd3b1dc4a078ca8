"""One login for everyone (the admin's included), throttled per account and per client address,
with the client address taken from the trusted proxy; each role lands on its own space."""

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.urls import reverse

from candidates.tests.factories import candidate
from partners.tests.factories import partner_member
from portal.identity.mfa import has_second_factor
from portal.tests.factories import UserFactory, current_totp_code, give_second_factor, municipal_staff
from programmes.tests.factories import SessionFactory, TrainingProviderFactory, centre_staff

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-2017"
PROXY = "10.0.0.2"  # the reverse proxy: every request reaches the portal from its address


@pytest.fixture(autouse=True)
def _the_proxy_is_trusted(settings):
    settings.TRUSTED_PROXIES = [PROXY]


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def log_in(client, email, password=PASSWORD, *, next_url=None, **headers):
    data = {"login": email, "password": password}
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, data, REMOTE_ADDR=PROXY, **headers)


def is_signed_in(client):
    return "_auth_user_id" in client.session


# --- The admin's login is the portal's --------------------------------------------------------


def test_admin_login_page_sends_to_the_portal_login(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"


def test_posting_a_password_to_the_admin_login_signs_nobody_in(client):
    agent = verified(municipal_staff())

    response = client.post("/admin/login/", {"username": agent.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not is_signed_in(client)


def test_twenty_wrong_passwords_on_the_admin_login_then_the_right_one_is_refused(client):
    agent = verified(municipal_staff())
    login_url = client.get("/admin/login/?next=/admin/")["Location"]

    for attempt in range(20):
        # Each from a different client address: the limit per account holds whatever the address.
        response = client.post(
            login_url, {"login": agent.email, "password": f"wrong-{attempt}"}, REMOTE_ADDR=f"192.0.2.{attempt + 1}"
        )
        assert response.status_code in (200, 429)
    response = client.post(login_url, {"login": agent.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.99")

    assert response.status_code == 200
    assert "Trop de tentatives de connexion" in response.content.decode()
    assert not is_signed_in(client)
    assert client.get("/admin/").status_code == 302


def test_a_signed_in_non_staff_user_gets_403_on_the_admin_login(client):
    client.force_login(verified(candidate()))

    assert client.get("/admin/login/").status_code == 403


def test_admin_logout_is_the_portal_logout(client):
    agent = verified(municipal_staff())
    client.force_login(agent)

    response = client.post("/admin/logout/")

    assert response.status_code == 302
    assert not is_signed_in(client)


# --- Client addresses behind the trusted proxy ------------------------------------------------


def fail_logins_from(client, address, count):
    """``count`` failed logins on as many unknown accounts, from ``address`` behind the proxy."""
    for attempt in range(count):
        log_in(client, f"nobody{attempt}@example.org", "wrong", HTTP_X_FORWARDED_FOR=address)


def test_two_candidates_behind_the_same_proxy_are_limited_separately(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    verified(candidate(user__email="amina@example.org"))
    verified(candidate(user__email="bilal@example.org"))

    fail_logins_from(client, "203.0.113.5", 10)  # Amina's address reaches its limit of failures.
    refused = log_in(client, "amina@example.org", HTTP_X_FORWARDED_FOR="203.0.113.5")
    other = log_in(client, "bilal@example.org", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert refused.status_code in (200, 429) and "Trop de tentatives" in refused.content.decode()
    assert other.status_code == 302 and is_signed_in(client)


def test_without_the_proxy_setting_everyone_behind_it_shares_one_limit(client, settings):
    """What the setting fixes: with no trusted proxy, all candidates have the proxy's address."""
    settings.TRUSTED_PROXY_COUNT = 0
    verified(candidate(user__email="bilal@example.org"))

    fail_logins_from(client, "203.0.113.5", 10)
    other = log_in(client, "bilal@example.org", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert "Trop de tentatives" in other.content.decode()
    assert not is_signed_in(client)


def test_a_client_hammering_logins_is_limited_even_when_it_forges_x_forwarded_for(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    verified(candidate(user__email="amina@example.org"))

    for attempt in range(10):
        # The proxy appends the real address; what the client wrote before it counts for nothing.
        log_in(client, f"nobody{attempt}@example.org", "wrong", HTTP_X_FORWARDED_FOR=f"10.9.9.{attempt}, 203.0.113.5")
    response = log_in(client, "amina@example.org", HTTP_X_FORWARDED_FOR="10.9.9.77, 203.0.113.5")

    assert "Trop de tentatives" in response.content.decode()
    assert not is_signed_in(client)


def test_a_client_reaching_the_portal_directly_cannot_choose_its_address(client, settings):
    """X-Forwarded-For from an address that is not a trusted proxy is dropped: a client who
    bypasses the proxy gets one limit for all the addresses it makes up."""
    settings.TRUSTED_PROXY_COUNT = 1
    verified(candidate(user__email="amina@example.org"))

    for attempt in range(10):
        client.post(
            reverse("account_login"),
            {"login": f"nobody{attempt}@example.org", "password": "wrong"},
            REMOTE_ADDR="198.51.100.66",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}",
        )
    response = client.post(
        reverse("account_login"),
        {"login": "amina@example.org", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.66",
        HTTP_X_FORWARDED_FOR="203.0.113.200",
    )

    assert "Trop de tentatives" in response.content.decode()
    assert not is_signed_in(client)


def test_sign_ups_behind_the_proxy_are_counted_per_candidate(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}

    def sign_up(number, address):
        data = {
            "email": f"new{number}@example.org",
            "password1": "Formation-Numerique-2017",
            "password2": "Formation-Numerique-2017",
            "privacy_consent": "on",
        }
        return client.post(reverse("account_signup"), data, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)

    assert [sign_up(n, "203.0.113.5").status_code for n in range(4)] == [302, 302, 302, 429]
    assert sign_up(9, "198.51.100.7").status_code == 302


@pytest.mark.parametrize(
    ("forwarded_for", "count", "expected"),
    [
        ("", 0, PROXY),
        ("203.0.113.5", 0, PROXY),  # no trusted proxy: the header is anyone's
        ("203.0.113.5", 1, "203.0.113.5"),
        ("10.9.9.9, 203.0.113.5", 1, "203.0.113.5"),
        ("203.0.113.5, 10.0.0.1", 2, "203.0.113.5"),
        ("203.0.113.5", 2, PROXY),  # fewer hops than configured: not through the proxies
        ("not-an-address", 1, PROXY),
        ("[2001:db8::1]:443", 1, "2001:db8::1"),
    ],
)
def test_client_ip_follows_the_trusted_proxy_count(rf, settings, forwarded_for, count, expected):
    from portal.proxy import client_ip

    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_ip(request) == expected


@pytest.mark.parametrize(
    ("remote_addr", "trusted", "expected"),
    [
        (PROXY, [PROXY], "203.0.113.5"),
        (PROXY, ["10.0.0.0/24"], "203.0.113.5"),
        ("10.0.1.2", ["10.0.0.0/24"], "10.0.1.2"),  # outside the proxies' network: the header is the client's
        ("198.51.100.66", [PROXY], "198.51.100.66"),
        ("::ffff:10.0.0.2", [PROXY], "203.0.113.5"),  # IPv4 proxy seen through a dual-stack socket
        ("2001:db8::2", ["2001:db8::/64"], "203.0.113.5"),
        (PROXY, [], PROXY),  # nobody trusted
    ],
)
def test_client_ip_believes_x_forwarded_for_only_from_a_trusted_proxy(rf, settings, remote_addr, trusted, expected):
    from portal.proxy import client_ip

    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = trusted
    request = rf.get("/", REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR="203.0.113.5")

    assert client_ip(request) == expected


# --- Each role lands on its own space ---------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("candidate", "/mes-candidatures/"),
        ("centre_staff", "/centre/"),
        ("partner", "/espace-partenaire/"),
        ("municipal_staff", "/admin/"),
        ("superuser", "/admin/"),
        ("plain_user", "/"),
    ],
)
def test_each_role_lands_on_its_own_space(client, role, landing):
    user = {
        "candidate": candidate,
        "centre_staff": lambda: centre_staff(TrainingProviderFactory()),
        "partner": partner_member,
        "municipal_staff": municipal_staff,
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True),
        "plain_user": UserFactory,
    }[role]()
    verified(user)

    response = log_in(client, user.email)
    if has_second_factor(user):
        assert response["Location"] == reverse("mfa_authenticate")
        response = client.post(response["Location"], {"code": current_totp_code(give_second_factor(user))})

    assert response.status_code == 302
    assert response["Location"] == landing


def test_a_candidate_goes_back_where_they_were_going(client):
    user = verified(candidate())
    apply_url = reverse("candidates:apply", args=[SessionFactory().pk])

    response = log_in(client, user.email, next_url=apply_url)

    assert response["Location"] == apply_url
