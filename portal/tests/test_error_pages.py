"""With DEBUG off (production), errors show the portal's own pages: branded, in the visitor's
language, with a way back — never Django's bare English « Not Found »."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from django.views.decorators.csrf import csrf_protect

from candidates.tests.factories import candidate

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("boom")


def _forbidden(request):
    raise PermissionDenied


@csrf_protect
def _form(request):
    return HttpResponse("ok")


urlpatterns = [
    path("test-errors/500/", _boom),
    path("test-errors/403/", _forbidden),
    path("test-errors/form/", _form),
    path("", include("portal.urls")),
]


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


@pytest.mark.parametrize(
    ("language", "title", "home"), [("fr", "Page introuvable", "Page d'accueil"), ("en", "Page not found", "Home page")]
)
def test_404_is_branded_translated_and_offers_a_way_back(client, language, title, home):
    client.cookies["django_language"] = language
    response = client.get("/sessions/999999/")

    assert response.status_code == 404
    content = response.content.decode()
    assert f'<html lang="{language}">' in content
    assert f'<h1 class="h2">{title}</h1>' in content
    assert "Portail des formations numériques" in content or "Digital skills" in content
    assert 'href="/formations/"' in content and home in content
    assert "The requested resource was not found" not in content


def test_404_offers_a_candidate_their_applications(client):
    client.force_login(candidate())
    content = client.get("/nulle-part/").content.decode()
    assert 'href="/mes-candidatures/"' in content


@pytest.mark.urls("portal.tests.test_error_pages")
def test_403_page(client):
    response = client.get("/test-errors/403/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


@pytest.mark.urls("portal.tests.test_error_pages")
def test_500_page_needs_nothing_but_templates():
    client = Client(raise_request_exception=False)
    response = client.get("/test-errors/500/")

    assert response.status_code == 500
    content = response.content.decode()
    assert "Désolés, le portail a rencontré un problème" in content
    assert "Ce que vous aviez déjà enregistré n'est pas perdu." in content
    assert 'href="/"' in content
    assert "Server Error (500)" not in content


@pytest.mark.urls("portal.tests.test_error_pages")
def test_an_expired_form_says_so_in_plain_words():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/test-errors/form/", {"name": "x"})

    assert response.status_code == 403
    assert "La page a expiré" in response.content.decode()


def test_robots_txt_keeps_personal_spaces_out_of_search_engines(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Disallow: /admin/" in body and "Disallow: /mes-candidatures/" in body
    assert "Disallow: /formations/" not in body


def test_pages_have_a_favicon_and_a_description(client):
    content = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg"' in content
    assert '<meta name="description" content="Formations gratuites' in content
    assert client.get("/favicon.ico")["Location"] == "/static/favicon.svg"
    assert client.get("/static/favicon.svg").status_code == 200
