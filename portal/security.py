"""Security middleware of the portal (settings.MIDDLEWARE):

- ``RequestSizeLimitMiddleware`` answers 413 to a request whose announced body is larger than
  ``MAX_REQUEST_BODY_SIZE``, before a byte of it is read (a 60 MB upload is not spooled to disk to
  be refused afterwards). Uploads below the cap but above a form's own limit get the form's error.
- ``PrivacyHeadersMiddleware`` sends ``Permissions-Policy`` on every response, and marks every
  response to a signed-in user ``no-store``: those pages and downloads hold personal data, and
  candidates often use shared or public computers.
- ``DatabaseUnavailableMiddleware`` answers 503 ("try again") instead of a 500 when a request's
  database connection is lost.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.cache import add_never_cache_headers
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DEFAULT_MAX_REQUEST_BODY_SIZE = 10 * 1024 * 1024
# Features no page of the portal uses: denied to the portal itself and to anything it embeds.
# (A file input's "take a photo" on phones is not getUserMedia: it keeps working.)
DEFAULT_PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


def max_request_body_size():
    return getattr(settings, "MAX_REQUEST_BODY_SIZE", DEFAULT_MAX_REQUEST_BODY_SIZE)


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            announced = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            announced = 0
        limit = max_request_body_size()
        if announced > limit:
            return request_too_large(announced, limit)
        return self.get_response(request)


def request_too_large(size, limit):
    text = _(
        "Ce que vous avez envoyé fait %(size)s, et le portail accepte au plus %(limit)s par envoi. "
        "Revenez à la page précédente et choisissez un fichier plus léger (un document de 5 Mo au plus)."
    ) % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
    return plain_page(_("Envoi trop lourd"), text, status=413)


def plain_page(title, text, *, status):
    """A page without template or context (nothing of the request, not even its session, is
    loaded: it must answer when the body was not read, or when the database is gone)."""
    html = (
        f'<!doctype html><html lang="{escape(get_language() or "fr")}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title></head>'
        f"<body><main><h1>{escape(title)}</h1><p>{escape(text)}</p></main></body></html>"
    )
    return HttpResponse(html, status=status)


class DatabaseUnavailableMiddleware:
    """A request whose database connection is lost (PostgreSQL restarted, the connection
    terminated, a failover) answers 503 with a "try again" page, not a 500: its transaction was
    rolled back, so nothing half-done remains, and the next request reconnects (Django closes the
    broken connection at the end of this one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning(
            "database unavailable during %s %s (%s): answered 503",
            request.method,
            request.path,
            type(exception).__name__,
        )
        response = plain_page(
            _("Service momentanément indisponible"),
            _(
                "Le portail n'a pas pu joindre sa base de données, et votre dernière action n'a pas été "
                "enregistrée. Réessayez dans un instant : revenez à la page précédente et envoyez à nouveau."
            ),
            status=503,
        )
        response["Retry-After"] = "5"
        return response


class PrivacyHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY))
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Whatever a view said: a signed-in person's page is never kept by a browser or proxy.
            if "Cache-Control" in response:
                del response["Cache-Control"]
            add_never_cache_headers(response)
        return response
