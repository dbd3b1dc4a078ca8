"""Accounts with django-allauth: sign-up with consent, email verification, login, reset, change."""

import re
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from candidates.models import CandidateProfile
from candidates.tests.factories import candidate

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "awa.diallo@example.org",
    "password1": "Formation-Numerique-2017",
    "password2": "Formation-Numerique-2017",
    "privacy_consent": "on",
}


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST and run the on-commit callbacks, as a real request would: emails may leave through
    the outbox after commit."""

    def _post(url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return _post


def link_in(message):
    return re.search(r"https?://\S+/comptes/\S+", message.body).group(0)


def test_signup_records_consent_creates_profile_and_sends_verification(client, post, mailoutbox):
    with_capture = post(reverse("account_signup"), SIGNUP)

    assert with_capture.status_code == 302
    profile = CandidateProfile.objects.get(user__email="awa.diallo@example.org")
    assert profile.privacy_consent_at is not None
    assert not EmailAddress.objects.get(email="awa.diallo@example.org").verified
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["awa.diallo@example.org"]
    assert "/comptes/confirm-email/" in mailoutbox[0].body


def test_signup_without_consent_is_refused_in_french_and_keeps_the_email(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "privacy_consent": ""})

    assert response.status_code == 200
    content = response.content.decode()
    assert "vous devez accepter la politique de confidentialité" in content
    assert 'value="awa.diallo@example.org"' in content
    assert 'aria-describedby="error_1_id_privacy_consent' in content or "id_privacy_consent" in content
    assert not CandidateProfile.objects.exists()


def test_verification_link_logs_in_and_leads_to_the_profile(client, post, mailoutbox):
    post(reverse("account_signup"), SIGNUP)
    url = link_in(mailoutbox[0])

    page = client.get(url)
    assert page.status_code == 200
    assert "Confirmer mon adresse" in page.content.decode()
    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("candidates:profile")
    assert EmailAddress.objects.get(email="awa.diallo@example.org").verified
    assert client.get(reverse("candidates:profile")).status_code == 200


def test_unverified_account_cannot_log_in(client, post):
    post(reverse("account_signup"), SIGNUP)
    client.logout()

    response = client.post(reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")


def _verified_candidate():
    user = candidate(user__email="karim@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_login_then_logout(client):
    _verified_candidate()
    response = client.post(
        reverse("account_login"), {"login": "karim@example.org", "password": "motdepasse-solide-2017"}
    )
    assert response.status_code == 302
    assert client.get(reverse("candidates:profile")).status_code == 200

    client.post(reverse("account_logout"))
    assert client.get(reverse("candidates:profile")).status_code == 302


def test_repeated_failed_logins_are_rate_limited(client):
    _verified_candidate()
    for _attempt in range(5):
        response = client.post(reverse("account_login"), {"login": "karim@example.org", "password": "mauvais"})
        assert response.status_code == 200
    response = client.post(
        reverse("account_login"), {"login": "karim@example.org", "password": "motdepasse-solide-2017"}
    )

    assert response.status_code == 200  # still refused, even with the right password
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link_that_sets_a_new_password(client, post, mailoutbox):
    _verified_candidate()
    response = post(reverse("account_reset_password"), {"email": "karim@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    url = link_in(mailoutbox[0])

    form_page = client.get(url, follow=True)
    assert "Choisir un nouveau mot de passe" in form_page.content.decode()
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else url
    done = client.post(action, {"password1": "Nouveau-Mot-De-Passe-2017", "password2": "Nouveau-Mot-De-Passe-2017"})

    assert done.status_code == 302
    assert client.login(email="karim@example.org", password="Nouveau-Mot-De-Passe-2017")


def test_email_change_sends_a_verification_to_the_new_address(client, post, mailoutbox):
    user = _verified_candidate()
    client.force_login(user)
    page = client.get(reverse("account_email"))
    assert page.status_code == 200
    assert "Changer d'adresse e-mail" in page.content.decode()

    post(reverse("account_email"), {"action_add": "", "email": "karim.nouveau@example.org"})

    assert [m.to for m in mailoutbox] == [["karim.nouveau@example.org"]]
    assert EmailAddress.objects.filter(email="karim.nouveau@example.org", verified=False).exists()


@pytest.mark.parametrize(
    "name", ["account_login", "account_signup", "account_reset_password", "account_email_verification_sent"]
)
def test_account_pages_use_the_portal_layout_in_french(client, name):
    response = client.get(reverse(name))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'lang="fr"' in content
    assert "Portail des formations numériques" in content
    assert "<label" in content or name == "account_email_verification_sent"


def test_signing_up_from_candidater_leads_back_to_the_application(client, post, mailoutbox, open_session):
    apply_url = reverse("candidates:apply", args=[open_session.pk])
    login_url = client.get(apply_url)["Location"]
    # The login page's "create your account" link carries the way back.
    signup_url = f"{reverse('account_signup')}?next={quote(apply_url, safe='')}"
    assert f'href="{signup_url}"' in client.get(login_url).content.decode()

    post(signup_url, {**SIGNUP, "next": apply_url})
    response = client.post(link_in(mailoutbox[0]))

    # Confirmed in the same browser: logged in and back on the application form for that session.
    assert response.status_code == 302 and response["Location"] == apply_url
    assert client.get(apply_url).status_code == 200
