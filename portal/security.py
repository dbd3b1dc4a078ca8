"""Security middleware of the portal (settings.MIDDLEWARE):

- ``RequestSizeLimitMiddleware`` answers 413 to a request whose announced body is larger than
  ``MAX_REQUEST_BODY_SIZE``, before a byte of it is read (a 60 MB upload is not spooled to disk to
  be refused afterwards). Uploads below the cap but above a form's own limit get the form's error.
- ``PrivacyHeadersMiddleware`` sends ``Permissions-Policy`` on every response, and marks every
  response to a signed-in user ``no-store``: those pages and downloads hold personal data, and
  candidates often use shared or public computers.
"""

from django.conf import settings
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.cache import add_never_cache_headers
from django.utils.html import escape
from django.utils.translation import gettext as _

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
    """A plain page (no template: nothing of the request, not even its session, is loaded)."""
    title = _("Envoi trop lourd")
    text = _(
        "Ce que vous avez envoyé fait %(size)s, et le portail accepte au plus %(limit)s par envoi. "
        "Revenez à la page précédente et choisissez un fichier plus léger (un document de 5 Mo au plus)."
    ) % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
    html = (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>"
    )
    return HttpResponse(html, status=413)


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
