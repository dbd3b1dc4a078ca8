"""« Facile à lire et à comprendre » (FALC): the plain-language version of the texts that decide
things for a candidate (eligibility criteria, statuses, the main emails).

A reader asks for it with the link on every page (``toggle``): a signed-in person keeps the choice
in their preferences (``User.prefers_easy_read``), an anonymous visitor in their session. For the
time of a request (``EasyReadMiddleware``) or of an email's rendering (``override``), ``active()``
says whether to write plainly — as Django's ``translation.override`` says which language to write
in — so that the code choosing a text (``candidates.presentation``, ``candidates.criteria``, the
session page's conditions, the emails' templates) asks here instead of passing a flag around.
Anonymous visitors who asked for it carry a session cookie, so the public page cache
(``portal.public_cache``, for visitors without one) never serves them the usual page; the cached
fragments of logged-in pages are keyed by the mode.
"""

import contextlib
from contextvars import ContextVar

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

SESSION_KEY = "easy_read"
_active = ContextVar("easy_read", default=False)


def active():
    """Whether the texts being written now should be the FALC ones."""
    return _active.get()


@contextlib.contextmanager
def override(on):
    """Write in FALC (or not) inside the block, whatever the request asked."""
    token = _active.set(bool(on))
    try:
        yield
    finally:
        _active.reset(token)


def requested(request):
    """What the reader asked for: their preference when signed in, else their session's choice
    (a visitor without a session cookie has made none: the session is not opened for it)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.prefers_easy_read
    session = getattr(request, "session", None)
    if session is None or not session.session_key:
        return False
    return bool(session.get(SESSION_KEY, False))


class EasyReadMiddleware:
    """Sets ``active()`` for the request's rendering (after the authentication middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.easy_read = requested(request)
        with override(request.easy_read):
            return self.get_response(request)


def context(request):
    """Context processor: ``easy_read`` for the templates (the switch link, FALC blocks)."""
    return {"easy_read": getattr(request, "easy_read", False)}


@require_POST
def toggle(request):
    """Switch between the usual texts and the FALC ones, then go back to the page."""
    on = not requested(request)
    user = request.user
    if user.is_authenticated:
        user.prefers_easy_read = on
        user.save(update_fields=["prefers_easy_read"])
    else:
        request.session[SESSION_KEY] = on
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    return HttpResponseRedirect(target)
