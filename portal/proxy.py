"""The client's address, as far as the deployment's proxies can be trusted (``DJANGO_TRUSTED_PROXY_COUNT``).

Behind N proxies that each append the address they received the request from to
``X-Forwarded-For``, the client is the N-th entry from the right: entries further left were written
by the client itself and prove nothing. Without a configured proxy, ``X-Forwarded-For`` is ignored
and the client is ``REMOTE_ADDR``. Every per-address limit uses this function (django-allauth's
through ``portal.adapters.AccountAdapter.get_client_ip``), so that candidates behind the same proxy
are counted apart, while a client cannot escape its limit by forging the header.
"""

import ipaddress

from django.conf import settings


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


def client_ip(request):
    """The client's IP address, or REMOTE_ADDR when the proxy chain is not what the settings say
    (a request that reached the server without going through every proxy)."""
    remote_addr = _clean(request.META.get("REMOTE_ADDR"))
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return _clean(forwarded[-count]) or remote_addr
    return remote_addr
