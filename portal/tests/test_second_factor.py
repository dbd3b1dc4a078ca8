"""Two-factor sign-in (django-allauth MFA): real TOTP codes computed from the secret, single-use
recovery codes, the policy by role, and staff sessions without a second factor refused everywhere
in the admin and the centre space."""

import time
import uuid

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.usersessions.models import UserSession
from django.urls import NoReverseMatch, get_resolver, reverse

from candidates.tests.factories import candidate
from partners.tests.factories import partner_member
from portal.identity.middleware import LAST_ACTIVITY_KEY
from portal.tests.auth import PortalClient
from portal.tests.factories import UserFactory, current_totp_code, give_second_factor, municipal_staff
from programmes.tests.factories import TrainingProviderFactory, centre_staff

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-2017"
SECURITY = reverse("account_security")


def verified(user):
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


def password_step(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def signed_in(client):
    return "_auth_user_id" in client.session


def confirm_password(client):
    """allauth asks for the password again before any change to the second factor."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


# --- TOTP and recovery codes at login ---------------------------------------------------------


def test_staff_with_a_second_factor_must_give_a_real_totp_code_after_the_password(client):
    agent = verified(municipal_staff())
    secret = give_second_factor(agent)

    response = password_step(client, agent)
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and not signed_in(client)
    response = client.post(reverse("mfa_authenticate"), {"code": current_totp_code(secret)})

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_totp_code_cannot_be_used_twice(client):
    agent = verified(municipal_staff())
    code = current_totp_code(give_second_factor(agent))
    password_step(client, agent)
    client.post(reverse("mfa_authenticate"), {"code": code})
    client.post(reverse("account_logout"))

    password_step(client, agent)
    replay = client.post(reverse("mfa_authenticate"), {"code": code})

    assert replay.status_code == 200
    assert not signed_in(client)


def test_recovery_codes_are_single_use(client):
    agent = verified(municipal_staff())
    codes = RecoveryCodes.activate(agent).get_unused_codes()

    password_step(client, agent)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert signed_in(client) and client.get("/admin/").status_code == 200
    client.post(reverse("account_logout"))

    password_step(client, agent)
    again = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert again.status_code == 200 and not signed_in(client)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[1]}).status_code == 302
    assert signed_in(client)


def test_candidates_and_partners_are_not_asked_for_a_second_factor(client):
    for user in (verified(candidate()), verified(partner_member())):
        client.logout()
        response = password_step(client, user)
        assert response["Location"] != reverse("mfa_authenticate")
        assert signed_in(client)


# --- Setting it up ----------------------------------------------------------------------------


def test_staff_without_a_second_factor_are_sent_to_a_page_that_explains_how(client):
    agent = verified(municipal_staff(second_factor=False))
    client.force_login(agent)

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[0][0] == f"{SECURITY}?next=%2Fadmin%2F"
    content = response.content.decode()
    assert "La double authentification est obligatoire pour votre compte" in content
    assert reverse("mfa_activate_totp") in content


@pytest.mark.django_db(transaction=True)  # allauth records the new factor after commit, as in production
def test_activating_an_authenticator_app_opens_the_admin(client):
    agent = verified(municipal_staff(second_factor=False))
    password_step(client, agent)
    assert client.get("/admin/").status_code == 302
    confirm_password(client)

    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": current_totp_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200


def test_staff_cannot_remove_their_only_second_factor_but_partners_can(client):
    agent = verified(municipal_staff())
    secret = give_second_factor(agent)
    password_step(client, agent)
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code(secret)})
    confirm_password(client)
    refused = client.post(reverse("mfa_deactivate_totp"), follow=True)
    assert "La double authentification est obligatoire pour votre rôle" in refused.content.decode()
    assert Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists()
    client.post(reverse("account_logout"))

    partner = verified(partner_member())
    secret = give_second_factor(partner)
    password_step(client, partner)
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code(secret)})
    confirm_password(client)
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=partner, type=Authenticator.Type.TOTP).exists()


def test_the_security_page_needs_a_login_and_is_optional_for_candidates(client):
    assert client.get(SECURITY).status_code == 302
    client.force_login(candidate())
    response = client.get(SECURITY)
    assert response.status_code == 200
    assert "facultative" in response.content.decode()


# --- Permission matrix: no admin or centre page without a second factor ----------------------


SAMPLE_KWARGS = {
    "app_label": ["candidates", "auth"],
    "object_id": ["1"],
    "pk": [1, uuid.UUID(int=1)],
    "reference": [uuid.UUID(int=1)],
    "content_type_id": [1],
}


def _sample_urls(namespace):
    """One concrete URL for every pattern of ``namespace`` (the ids need not exist: the refusal
    comes before the view)."""
    resolver = get_resolver().namespace_dict[namespace][1]
    urls = set()
    for name in [key for key in resolver.reverse_dict if isinstance(key, str)]:
        for possibility, _pattern, _defaults, _converters in resolver.reverse_dict.getlist(name):
            for _format, params in possibility:
                candidates = [{}]
                for param in params:
                    candidates = [
                        {**c, param: value} for c in candidates for value in SAMPLE_KWARGS.get(param, ["x", 1])
                    ]
                for kwargs in candidates:
                    try:
                        urls.add(reverse(f"{namespace}:{name}", kwargs=kwargs))
                        break
                    except NoReverseMatch:
                        continue
    return sorted(urls)


# Logging out stays open (portal.identity.middleware.OPEN_VIEWS).
ADMIN_URLS = [url for url in _sample_urls("admin") if url != "/admin/logout/"]
CENTRE_URLS = _sample_urls("centre")


def test_the_matrix_covers_the_admin_and_the_centre_space():
    assert len(ADMIN_URLS) > 100
    assert len(CENTRE_URLS) >= 8
    assert "/admin/candidates/application/" in ADMIN_URLS


@pytest.fixture
def staff_without_second_factor(db):
    provider = TrainingProviderFactory()
    return {
        "municipal_staff": municipal_staff(second_factor=False),
        "superuser": UserFactory(is_staff=True, is_superuser=True, second_factor=False),
        "centre_staff": centre_staff(provider, second_factor=False),
    }


@pytest.mark.parametrize("role", ["municipal_staff", "superuser", "centre_staff"])
def test_staff_without_a_second_factor_are_refused_everywhere_in_the_admin_and_centre_space(
    staff_without_second_factor, role
):
    client = PortalClient()
    client.force_login(staff_without_second_factor[role])

    for url in [*ADMIN_URLS, *CENTRE_URLS]:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (role, url, response.status_code)
            assert response["Location"].startswith(f"{SECURITY}?next="), (role, url)


@pytest.mark.parametrize("role", ["municipal_staff", "superuser", "centre_staff"])
def test_a_staff_session_that_skipped_its_second_factor_is_asked_for_it(db, role):
    user = {
        "municipal_staff": municipal_staff,
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True),
        "centre_staff": lambda: centre_staff(TrainingProviderFactory()),
    }[role]()
    client = PortalClient()
    client.force_login(user, second_factor=False)

    for url in [*ADMIN_URLS[::7], *CENTRE_URLS]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_reauthenticate")), url


def test_with_their_second_factor_staff_reach_their_space(client):
    agent = municipal_staff()
    client.force_login(agent)
    assert client.get("/admin/").status_code == 200
    staff = centre_staff(TrainingProviderFactory())
    client.force_login(staff)
    assert client.get(reverse("centre:session_list")).status_code == 200


def test_a_staff_session_without_second_factor_opens_only_its_account_pages(client):
    agent = municipal_staff(second_factor=False)
    client.force_login(agent)

    assert client.get(reverse("home")).status_code == 302
    for name in ("account_security", "account_reauthenticate", "usersessions_list", "account_change_password"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.post(reverse("account_logout")).status_code == 302


def test_role_granted_during_a_session_is_checked_in_the_centre_space(client):
    user = verified(candidate())
    client.force_login(user)
    centre_staff(TrainingProviderFactory(), user=user, second_factor=False)

    assert client.get(reverse("centre:session_list"))["Location"].startswith(SECURITY)


# --- Sessions ---------------------------------------------------------------------------------


def signed_in_idle_for(client, user, minutes):
    client.force_login(user)
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - minutes * 60
    session.save()


def test_staff_sessions_end_after_inactivity(client, settings):
    settings.STAFF_SESSION_IDLE_TIMEOUT = 30 * 60
    signed_in_idle_for(client, verified(municipal_staff()), 31)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"
    assert not signed_in(client)


def test_activity_keeps_a_staff_session_open(client):
    signed_in_idle_for(client, verified(municipal_staff()), 29)

    assert client.get("/admin/").status_code == 200
    assert time.time() - client.session[LAST_ACTIVITY_KEY] < 5


def test_candidate_sessions_have_no_idle_timeout(client):
    signed_in_idle_for(client, verified(candidate()), 600)

    assert client.get(reverse("candidates:profile")).status_code == 200


def test_a_password_change_ends_the_other_sessions(client):
    agent = verified(municipal_staff())
    other_device = PortalClient()
    other_device.force_login(agent)
    client.force_login(agent)
    assert other_device.get("/admin/").status_code == 200

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "Nouveau-Mot-De-Passe-2027", "password2": "Nouveau-Mot-De-Passe-2027"},
    )

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200  # this one stays open
    assert other_device.get("/admin/").status_code == 302
    assert not signed_in(other_device)


def test_a_person_sees_and_ends_their_other_sessions(client):
    user = verified(candidate())
    laptop, phone = PortalClient(), PortalClient()
    for device in (laptop, phone):
        device.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert UserSession.objects.filter(user=user).count() == 2

    page = laptop.get(reverse("usersessions_list"))
    assert page.status_code == 200
    laptop.post(reverse("usersessions_list"))  # « Se déconnecter des autres sessions »

    assert signed_in(laptop)
    assert phone.get(reverse("candidates:profile")).status_code == 302
