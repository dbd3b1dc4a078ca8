"""The portal's own sign-up email: what happens next, how long the link is valid, and a link that
leads back to the application being started even when opened in another browser; the account
speaks the language used at sign-up."""

import re

import pytest
from allauth.account import app_settings as allauth_settings
from django.test import Client
from django.urls import reverse

from portal.models import OutgoingEmail, User

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "nadia.benali@example.org",
    "password1": "Formation-Numerique-2017",
    "password2": "Formation-Numerique-2017",
    "privacy_consent": "on",
}


def link_in(text):
    return re.search(r"https?://\S+/comptes/confirm-email/\S+", text).group(0)


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    def _sign_up(data=SIGNUP, *, url=None, language=None):
        if language:
            client.cookies["django_language"] = language
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url or reverse("account_signup"), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        return OutgoingEmail.objects.get(recipient=data["email"], kind="account_email_confirmation_signup")

    return _sign_up


def test_signup_email_says_what_happens_next_and_how_long_the_link_lasts(sign_up, mailoutbox):
    email = sign_up()

    assert email.subject == "Activez votre compte sur le portail des formations numériques"
    days = allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS
    for part in (email.body_text, email.body_html):
        assert f"Ce lien est valable {days} jours" in part
        assert "Et ensuite ?" in part
        assert "Complétez-le" in part
    # The portal's text, not allauth's (which named the user and the host).
    assert "a indiqué votre adresse" not in email.body_text
    assert "testserver:" not in email.subject
    assert 'href="http://testserver/comptes/confirm-email/' in email.body_html
    assert len(mailoutbox) == 1 and mailoutbox[0].alternatives


def test_signup_from_candidater_leads_back_even_from_another_browser(sign_up, open_session):
    apply_url = reverse("candidates:apply", args=[open_session.pk])
    email = sign_up({**SIGNUP, "next": apply_url}, url=f"{reverse('account_signup')}?next={apply_url}")

    assert f"« {open_session.name} »" in email.body_text
    link = link_in(email.body_text)
    assert link.endswith(f"?next=%2Fsessions%2F{open_session.pk}%2Fcandidater%2F")

    # The phone's mail app: a browser that never saw the sign-up.
    other_browser = Client()
    page = other_browser.get(link)
    assert "Après confirmation, vous reprendrez votre candidature" in page.content.decode()
    assert f'value="{apply_url}"' in page.content.decode()  # the way back rides along in the form
    confirmed = other_browser.post(link.split("?")[0], {"next": apply_url}, follow=True)

    # Not logged in there (a link in an email never opens a session by itself): the login page,
    # saying where it leads, then the application form for that session.
    login_url, _status = confirmed.redirect_chain[-1]
    assert login_url.startswith(reverse("account_login"))
    content = confirmed.content.decode()
    assert "est confirmée" in content
    assert f"Connectez-vous pour reprendre votre candidature à la formation « {open_session.name} »" in content
    logged_in = other_browser.post(
        login_url, {"login": SIGNUP["email"], "password": SIGNUP["password1"], "next": apply_url}
    )
    assert logged_in.status_code == 302 and logged_in["Location"] == apply_url
    assert other_browser.get(apply_url).status_code == 200


def test_signup_page_says_the_link_will_lead_back(client, open_session):
    apply_url = reverse("candidates:apply", args=[open_session.pk])
    page = client.get(f"{reverse('account_signup')}?next={apply_url}").content.decode()
    assert f"Vous candidatez à la formation « {open_session.name} »" in page


@pytest.mark.parametrize(("language", "subject"), [("en", "Activate your account"), ("fr", "Activez votre compte")])
def test_account_language_follows_the_language_used_at_signup(sign_up, language, subject, client):
    email = sign_up(language=language)

    user = User.objects.get(email=SIGNUP["email"])
    assert user.language == language
    assert email.language == language
    assert email.subject.startswith(subject)
