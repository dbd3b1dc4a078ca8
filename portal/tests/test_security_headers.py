"""Row 9 of the December 2026 probe, each closed: no-store on signed-in pages and downloads,
Permissions-Policy, a request size cap answering 413 before the body is read, the admin history
page without inline style, and the user's name out of the messages cookie."""

import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from candidates.tests.factories import ApplicationFactory, candidate
from portal.security import max_request_body_size
from portal.tests.factories import UserFactory, give_second_factor, municipal_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name, args",
    [
        ("candidates:export_my_data", []),
        ("candidates:my_data", []),
        ("candidates:profile", []),
        ("candidates:application_list", []),
        ("home", []),
    ],
)
def test_signed_in_pages_are_never_stored(client, name, args):
    client.force_login(candidate())

    response = client.get(reverse(name, args=args))

    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "private"} <= cache_control


def test_an_application_page_is_never_stored(client):
    user = candidate()
    application = ApplicationFactory(candidate=user, status="submitted", submitted_at="2026-01-01T10:00Z")
    client.force_login(user)

    response = client.get(reverse("candidates:application_detail", args=[application.reference]))

    assert "no-store" in response["Cache-Control"]


def test_admin_pages_are_never_stored(client):
    client.force_login(municipal_staff())

    response = client.get(reverse("admin:candidates_application_changelist"))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_public_pages_stay_cacheable_for_visitors(client):
    response = client.get(reverse("home"))

    assert "no-store" not in response.get("Cache-Control", "")


def test_every_response_has_a_permissions_policy(client):
    for response in (client.get(reverse("home")), client.get("/nowhere/"), client.get(reverse("account_login"))):
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


def test_an_oversized_request_is_refused_before_its_body_is_read():
    user = candidate()
    draft = ApplicationFactory(candidate=user, draft_step="documents")
    client = Client()
    client.force_login(user)
    size = 60 * 1024 * 1024

    response = client.generic(
        "POST",
        reverse("candidates:apply_step", args=[draft.reference, "documents"]),
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(size),
        **{"wsgi.input": UnreadableBody()},
    )

    assert response.status_code == 413
    assert "Envoi trop lourd" in response.content.decode()
    assert "Permissions-Policy" in response
    assert not draft.documents.exists()


def test_the_cap_is_above_the_document_limit(settings):
    assert max_request_body_size() > settings.MAX_UPLOAD_SIZE + 512 * 1024


def test_a_request_under_the_cap_is_served(client, settings):
    settings.MAX_REQUEST_BODY_SIZE = 2048

    assert client.post(reverse("account_login"), {"login": "x@example.org", "password": "x"}).status_code == 200
    assert client.post(reverse("account_login"), {"login": "x" * 3000, "password": "x"}).status_code == 413


def test_the_admin_history_page_has_no_inline_style(client, django_user_model):
    from candidates.tests.factories import application_in
    from candidates.workflow import Status

    application = application_in(Status.SUBMITTED)
    superuser = django_user_model.objects.create_superuser("dsi@paris.example.org", "x")
    give_second_factor(superuser)
    client.force_login(superuser)

    page = client.get(reverse("admin:candidates_application_history", args=[application.pk])).content.decode()

    assert 'id="change-history"' in page
    assert "history-paginator" in page and "css/admin-review.css" in page
    assert not re.search(r"<[^>]+\sstyle=", page), "an inline style attribute is blocked by the CSP"
    assert "<style" not in page


def test_the_user_s_name_never_travels_in_a_cookie(client):
    from allauth.account.models import EmailAddress

    user = UserFactory(email="awa.diallo@example.org", password="un-mot-de-passe-solide", first_name="Awa")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    response = client.post(
        reverse("account_login"), {"login": "awa.diallo@example.org", "password": "un-mot-de-passe-solide"}
    )

    assert response.status_code == 302
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", response.cookies["messages"].value)  # a token, not the text
    assert response.cookies["messages"]["httponly"]
    assert all("awa" not in morsel.value.lower() for morsel in response.cookies.values())
    shown = client.get(response["Location"], follow=True).content.decode()
    assert f"Connexion avec {user.get_full_name()} réussie" in shown  # still shown, from the cache


def test_a_lost_database_connection_answers_503_not_500(rf):
    from django.db import OperationalError

    from portal.security import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = rf.post("/candidatures/x/etapes/review/")

    response = middleware.process_exception(request, OperationalError("terminating connection"))

    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert "Réessayez dans un instant" in response.content.decode()
    assert middleware.process_exception(request, ValueError("a bug")) is None  # still a 500
