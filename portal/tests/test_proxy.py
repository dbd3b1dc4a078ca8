"""Forwarded headers are believed from the trusted proxies' addresses only (portal.proxy):
X-Forwarded-Proto (is the request HTTPS?), X-Forwarded-For (the client's address, for every
per-address limit and the access trail) and the others are dropped from anyone else."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from portal.models import AccessLog
from portal.proxy import FORWARDED_HEADERS, ForwardedHeadersMiddleware, client_ip
from portal.tests.factories import municipal_staff

PROXY = "10.0.0.2"
OUTSIDER = "198.51.100.66"


@pytest.fixture
def behind_the_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    return settings


def seen_by_the_view(remote_addr, **headers):
    seen = {}

    def view(request):
        seen.update(
            meta={key: request.META[key] for key in FORWARDED_HEADERS if key in request.META},
            secure=request.is_secure(),
            ip=client_ip(request),
        )
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)
    ForwardedHeadersMiddleware(view)(request)
    return seen


FORGED = {
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_FORWARDED_FOR": "203.0.113.5",
    "HTTP_X_FORWARDED_HOST": "evil.example.org",
    "HTTP_X_REAL_IP": "203.0.113.6",
    "HTTP_FORWARDED": "for=203.0.113.7;proto=https",
}


def test_forwarded_headers_from_an_untrusted_address_never_reach_the_portal(behind_the_proxy):
    seen = seen_by_the_view(OUTSIDER, **FORGED)

    assert seen == {"meta": {}, "secure": False, "ip": OUTSIDER}


def test_forwarded_headers_from_a_trusted_proxy_are_honoured(behind_the_proxy):
    seen = seen_by_the_view(PROXY, **FORGED)

    assert seen == {"meta": FORGED, "secure": True, "ip": "203.0.113.5"}


def test_a_trusted_network_and_the_default_loopback(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "fd00::/8"]
    assert seen_by_the_view("10.0.0.77", **FORGED)["secure"] is True
    assert seen_by_the_view("fd00::5", **FORGED)["ip"] == "203.0.113.5"
    assert seen_by_the_view("10.0.1.1", **FORGED)["secure"] is False

    del settings.TRUSTED_PROXIES  # the default: a proxy on the same machine
    assert seen_by_the_view("127.0.0.1", **FORGED)["secure"] is True
    assert seen_by_the_view("::1", **FORGED)["secure"] is True
    assert seen_by_the_view(PROXY, **FORGED)["secure"] is False


@pytest.mark.django_db
def test_a_client_reaching_the_server_directly_cannot_claim_https(client, behind_the_proxy):
    """The HTTPS redirect (SecurityMiddleware) happens whatever X-Forwarded-Proto the client sends."""
    direct = client.get("/", REMOTE_ADDR=OUTSIDER, HTTP_X_FORWARDED_PROTO="https")
    through_the_proxy = client.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    plain_through_the_proxy = client.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="http")

    assert (direct.status_code, direct["Location"]) == (301, "https://testserver/")
    assert through_the_proxy.status_code == 200
    assert plain_through_the_proxy.status_code == 301


@pytest.mark.django_db
def test_the_access_trail_records_the_address_the_proxy_vouches_for(client, behind_the_proxy):
    behind_the_proxy.SECURE_SSL_REDIRECT = False
    agent = municipal_staff()
    client.force_login(agent)

    from candidates.tests.factories import ApplicationDocumentFactory, application_in
    from candidates.workflow import Status

    document = ApplicationDocumentFactory(application=application_in(Status.ELIGIBLE))
    url = reverse("candidates:document_download", args=[document.pk])
    client.get(url, REMOTE_ADDR=OUTSIDER, HTTP_X_FORWARDED_FOR="203.0.113.5")
    client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert list(AccessLog.objects.order_by("pk").values_list("ip_address", flat=True)) == [OUTSIDER, "203.0.113.9"]
