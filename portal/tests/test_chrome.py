"""The page frame rendered once per process and reused (portal/templatetags/portal_chrome.py):
each visitor still gets their own CSRF token, their own return path and the menu of their roles,
in their language."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from candidates.tests.factories import candidate
from partners.tests.factories import partner_member
from portal.templatetags import portal_chrome
from portal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGOUT_TOKEN = re.compile(
    r'<form method="post" action="/comptes/logout/"><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"'
)
RETURN_PATH = re.compile(r'<input name="next" type="hidden" value="([^"]*)">')


@pytest.fixture(autouse=True)
def frame_cache_on(settings):
    settings.PORTAL_CHROME_CACHE = True  # as in production (off only with DEBUG)
    portal_chrome.forget()
    yield
    portal_chrome.forget()


def logged_in(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_the_frame_is_rendered_once_then_reused():
    for _visit in range(3):
        Client().get(reverse("programmes:catalogue"))
    keys = [key for key in portal_chrome._rendered if key[1] == "programmes/catalogue.html"]
    assert len(keys) == 2  # its header and its footer, once each for anonymous visitors in French


def test_each_visitor_gets_their_own_token_and_it_logs_them_out():
    amina, bilal = candidate(), candidate()
    amina_client, bilal_client = logged_in(amina), logged_in(bilal)

    amina_page = amina_client.get(reverse("programmes:catalogue")).content.decode()
    bilal_page = bilal_client.get(reverse("programmes:catalogue")).content.decode()

    amina_token, bilal_token = LOGOUT_TOKEN.search(amina_page).group(1), LOGOUT_TOKEN.search(bilal_page).group(1)
    assert portal_chrome.CSRF_PLACEHOLDER not in amina_page + bilal_page
    assert amina_client.post("/comptes/logout/", {"csrfmiddlewaretoken": amina_token}).status_code == 302
    assert bilal_client.post("/comptes/logout/", {"csrfmiddlewaretoken": bilal_token}).status_code == 302
    assert "_auth_user_id" not in amina_client.session and "_auth_user_id" not in bilal_client.session


def test_the_language_switch_returns_to_the_page_asked_for():
    first = Client().get("/formations/?track=web_developer").content.decode()
    second = Client().get("/formations/?departement=93").content.decode()

    assert RETURN_PATH.search(first).group(1) == "/formations/?track=web_developer"
    assert RETURN_PATH.search(second).group(1) == "/formations/?departement=93"
    assert portal_chrome.PATH_PLACEHOLDER not in first + second


def test_the_menu_is_each_role_s_own():
    """Visitors with other roles on the same page, one after the other: nobody gets another's menu."""
    pages = {
        name: (logged_in(user) if user else Client()).get(reverse("programmes:catalogue")).content.decode()
        for name, user in [
            ("candidate", candidate()),
            ("partner", partner_member()),
            ("no role", UserFactory()),
            ("anonymous", None),
            ("candidate again", candidate()),
        ]
    }
    applications, partner_space = reverse("candidates:application_list"), reverse("partners:space")
    assert applications in pages["candidate"] and applications in pages["candidate again"]
    assert "Mon profil" in pages["candidate"]
    assert partner_space in pages["partner"] and applications not in pages["partner"]
    assert "Mon profil" not in pages["partner"] and "Se déconnecter" in pages["no role"]
    assert applications not in pages["no role"] and partner_space not in pages["no role"]
    assert "Se connecter" in pages["anonymous"] and "Se déconnecter" not in pages["anonymous"]


def test_each_language_has_its_own_frame():
    french = Client().get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = Client().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Aller au contenu" in french and "Aller au contenu" not in english
    assert re.search(r">\s*English\s*<", french) and re.search(r">\s*Français\s*<", english)


def test_off_it_renders_every_time(settings):
    settings.PORTAL_CHROME_CACHE = False
    page = Client().get("/formations/?q=x").content.decode()

    assert not portal_chrome._rendered
    assert RETURN_PATH.search(page).group(1) == "/formations/?q=x"
