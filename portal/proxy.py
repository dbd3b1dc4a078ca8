"""What the portal believes of forwarded headers, and the client's address: the one place that decides.

Trust is by address, not by count. ``TRUSTED_PROXIES`` (``DJANGO_TRUSTED_PROXIES``: addresses and
networks, loopback by default) are the reverse proxies allowed to speak for a client. A request
whose connection (``REMOTE_ADDR``) comes from anywhere else has its forwarded headers removed
before anything reads them (``ForwardedHeadersMiddleware``, the outermost middleware): a client
reaching gunicorn directly can neither claim HTTPS (``X-Forwarded-Proto``, read by Django through
``SECURE_PROXY_SSL_HEADER``) nor choose its address (``X-Forwarded-For``, ``X-Real-IP``) nor its
host (``X-Forwarded-Host``).

``TRUSTED_PROXY_COUNT`` (``DJANGO_TRUSTED_PROXY_COUNT``) says how long the chain is: behind N
proxies that each append the address they received the request from to ``X-Forwarded-For``, the
client is the N-th entry from the right; entries further left were written by the client itself
and prove nothing. With 0, ``X-Forwarded-For`` is ignored and the client is ``REMOTE_ADDR``.

Every per-address limit uses ``client_ip`` (django-allauth's login, sign-up, reset and contact
limits through ``portal.adapters.AccountAdapter.get_client_ip``, its sessions list, the
personal-data access trail), so that candidates behind the same proxy are counted apart, while a
client cannot escape its limit by forging a header.
"""

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Every forwarded header a setting or a library of the portal could read (Django's
# SECURE_PROXY_SSL_HEADER, USE_X_FORWARDED_HOST and USE_X_FORWARDED_PORT, allauth's
# X-Forwarded-For and TRUSTED_CLIENT_IP_HEADER…): removed unless a trusted proxy sent the request.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_SSL",
    "HTTP_X_FORWARDED_SCHEME",
    "HTTP_X_SCHEME",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)
DEFAULT_TRUSTED_PROXIES = ("127.0.0.0/8", "::1")


def parse_networks(values):
    """``["10.0.0.2", "192.168.0.0/16", "::1"]`` → IP networks; ImproperlyConfigured on a typo (a
    setting that silently trusted nobody, or everybody, would be worse than a refusal to start)."""
    networks = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"DJANGO_TRUSTED_PROXIES: {value!r} is not an IP address or network (CIDR)."
            ) from None
    return tuple(networks)


@functools.lru_cache(maxsize=8)
def _networks(values):
    return parse_networks(values)


def trusted_networks():
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", DEFAULT_TRUSTED_PROXIES)))


def _clean(value):
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.5:443"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def is_trusted_proxy(address):
    """Whether ``address`` (a connection's REMOTE_ADDR) is one of the trusted proxies."""
    cleaned = _clean(address)
    if cleaned is None:
        return False
    ip = ipaddress.ip_address(cleaned)
    if ip.version == 6 and ip.ipv4_mapped is not None:  # "::ffff:127.0.0.1" from a dual-stack socket
        ip = ip.ipv4_mapped
    return any(ip in network for network in trusted_networks())


def from_trusted_proxy(request):
    return is_trusted_proxy(request.META.get("REMOTE_ADDR"))


def client_ip(request):
    """The client's IP address: from ``X-Forwarded-For`` when a trusted proxy sent the request
    and the chain is as long as the settings say; otherwise REMOTE_ADDR (a request that reached the
    server without going through every proxy, or from an untrusted address)."""
    remote_addr = _clean(request.META.get("REMOTE_ADDR"))
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0 and from_trusted_proxy(request):
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return _clean(forwarded[-count]) or remote_addr
    return remote_addr


class ForwardedHeadersMiddleware:
    """Outermost: forwarded headers from anyone but a trusted proxy are dropped before any other
    middleware (SecurityMiddleware's HTTPS redirect, CSRF's origin check, allauth) reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not from_trusted_proxy(request):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
            request.__dict__.pop("headers", None)  # request.headers, if anything read it already
        return self.get_response(request)
