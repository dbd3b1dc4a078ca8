"""Public pages from the cache: what every anonymous visitor sees alike, rendered once per change.

Opening day brings thousands of anonymous visitors to the same few pages (home, catalogue, a
session). ``PublicPageCacheMiddleware`` answers them from the cache (Redis in production) before the
inner middleware and the view run; the page was stored by the first visitor who asked for it.

- **Only what is the same for everyone**: a view opts in with ``@public_page``; a page is stored and
  served only for a GET from a visitor without a session or messages cookie (nothing personal can
  be in it), with status 200 and no cookie of its own. Logged-in pages are rendered per user; their
  shared parts may use ``fragment()``.
- **Keyed by what changes the page**: language (LocaleMiddleware runs first and adds
  ``Vary: Accept-Language``), full path with its query string, and the local date (« open today »).
- **Invalidated explicitly**: ``invalidate()`` bumps one generation number; entries of an older
  generation are never served. The apps call it after commit when a programme, a session, its rules
  or commitments, or a session's seats change (see their ``apps.py``). A request stores its page
  under the generation it read *before* rendering, so a page rendered from data that changed
  meanwhile is never served. Entries also expire after ``PUBLIC_PAGE_CACHE_SECONDS``.
- **CSRF stays per visitor**: forms on these pages (language switch, eligibility check) carry a
  token; it is stored as a placeholder and each answer gets the visitor's own token from
  ``get_token()``, so CsrfViewMiddleware (outside this one) sets the cookie as usual.
- **Personal parts too** (``personal_fragment``: « Mes candidatures »): per person, under the same
  generation and a version of theirs that every write of what the part shows forgets after commit
  (``bump_personal_versions``); a repeat view is then served without the database.
"""

import hashlib
import logging
import re
import secrets
from functools import lru_cache, wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)

GENERATION_KEY = "public-pages:generation"
PLACEHOLDER = b"__public_page_csrf_token__"
_TOKEN_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]+(")')
# Headers set by the view and the inner middleware (CSP, X-Frame-Options…); the outer middleware
# adds its own to every answer, cached or not (Vary, Content-Language, cookies, HSTS).
_STORED_HEADERS = (
    "Content-Type",
    "Content-Security-Policy",
    "X-Frame-Options",
    "Cross-Origin-Opener-Policy",
    # A page that says it must not be kept by browsers (the login page: never_cache) still says so.
    "Cache-Control",
    "Expires",
)


def public_page(view):
    """Mark a view whose GET answer to an anonymous visitor is the same for all of them."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "GET":
            response.public_page = True
        return response

    wrapper.public_page = True
    return wrapper


def invalidate():
    """Forget every cached public page (at once; see invalidate_on_commit)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (or it expired): start one
        cache.add(GENERATION_KEY, 1, timeout=None)
        cache.incr(GENERATION_KEY)


def invalidate_on_commit(*_args, **_kwargs):
    """Signal receiver: forget the cached public pages once the change is committed (a page
    rendered before the commit would show the old data). A cache outage never fails the change."""
    transaction.on_commit(_invalidate_quietly, robust=True)


def _invalidate_quietly():
    try:
        invalidate()
    except Exception:  # the change is committed; pages expire on their own
        logger.exception("public page cache: invalidation failed")


def _generation_and(*keys):
    """The generation and the values of ``keys`` (None when missing), in one round trip."""
    values = cache.get_many([GENERATION_KEY, *keys])
    return values.get(GENERATION_KEY, 0), *(values.get(key) for key in keys)


def _page_key(request):
    path = request.get_full_path().encode()
    return ":".join(
        [
            "public-page",
            request.LANGUAGE_CODE,
            # The FALC texts (portal.easy_read) in the shared fragments of a reader who asked for them.
            "falc" if getattr(request, "easy_read", False) else "usual",
            timezone.localdate().isoformat(),
            hashlib.blake2b(path, digest_size=16).hexdigest(),
        ]
    )


def fragment(request, name, render):
    """A part of a page that is the same for everyone (a catalogue's filters and results) inside a
    page that is not (a logged-in visitor's menu): cached under the same generation and keys as the
    public pages. ``render()`` returns the HTML; the fragment must hold no CSRF token."""
    return fragments(request, {name: render})[name]


def fragments(request, renders):
    """``fragment()`` for several parts of one page at once (one round trip to the cache):
    ``{name: render}`` in, ``{name: HTML}`` out."""
    if settings.PUBLIC_PAGE_CACHE_SECONDS <= 0 or getattr(cache, "redis_is_down", False):
        return {name: mark_safe(str(render())) for name, render in renders.items()}  # noqa: S308 — our templates
    page_key = _page_key(request)
    keys = {name: f"{page_key}:{name}" for name in renders}
    found = cache.get_many([GENERATION_KEY, *keys.values()])
    generation = found.get(GENERATION_KEY, 0)
    html, missing = {}, {}
    for name, key in keys.items():
        entry = found.get(key)
        if entry is not None and entry[0] == generation:
            html[name] = entry[1]
        else:
            html[name] = missing[key] = str(renders[name]())
    if missing:
        cache.set_many({key: (generation, value) for key, value in missing.items()}, settings.PUBLIC_PAGE_CACHE_SECONDS)
    return {name: mark_safe(value) for name, value in html.items()}  # noqa: S308 — HTML we rendered from our own templates


def _version_key(name, person_id):
    return f"personal-version:{name}:{person_id}"


def personal_versions_on():
    """Whether personal fragments are cached at all (else there is no version to bump, and the
    writers need not even find out whose rows they wrote)."""
    return settings.PUBLIC_PAGE_CACHE_SECONDS > 0


def personal_fragment(request, name, *, render):
    """A part of a signed-in person's page that only they see (« Mes candidatures »), rendered once
    per change and then served from the cache without any query.

    Cached per person under the public pages' keys (language, FALC, date, path) and generation, so a
    programme or session change renders it again, and under the person's version of ``name``: a
    random token that every write of what the fragment shows forgets once committed
    (``bump_personal_versions(name, person_ids)``). The generation, the version and the entry come
    in one round trip to the cache.

    The version is read *before* rendering and the entry stored under it: a rendering from data
    that changes meanwhile is stored under a version that the change's bump forgets, so it is never
    served. A missing version (never set, bumped, expired or evicted) never matches an entry: a new
    token is added first (``cache.add``: only if still missing, so a bump in between is not
    overwritten) and the rendering stored under it; if another request added one first, this one
    renders without storing. The fragment may hold forms: their CSRF token is stored as a
    placeholder and each answer gets the visitor's own token."""
    if not personal_versions_on() or getattr(cache, "redis_is_down", False):
        return mark_safe(str(render()))  # noqa: S308 — our templates
    key = f"{_page_key(request)}:person-{request.user.pk}:{name}"
    version_key = _version_key(name, request.user.pk)
    generation, version, entry = _generation_and(version_key, key)
    if version is not None and entry is not None and entry[0] == generation and entry[1] == version:
        body = entry[2]
    else:
        if version is None:
            token = secrets.token_hex(8)
            # Outlives the entries stored under it (a version that expires first only costs a rendering).
            version = token if cache.add(version_key, token, 2 * settings.PUBLIC_PAGE_CACHE_SECONDS) else None
        html = str(render())
        body = _TOKEN_INPUT.sub(rb"\1" + PLACEHOLDER + rb"\2", html.encode()).decode()
        if version is not None:
            cache.set(key, (generation, version, body), settings.PUBLIC_PAGE_CACHE_SECONDS)
    if PLACEHOLDER.decode() in body:
        body = body.replace(PLACEHOLDER.decode(), get_token(request))
    return mark_safe(body)  # noqa: S308 — HTML we rendered from our own templates


def bump_personal_versions(name, person_ids):
    """Forget the versions of ``name`` of ``person_ids`` (None ids are skipped) once the current
    transaction commits (at once outside one), so that their next view renders the fragment again.
    After commit: a request that read the version before the commit and rendered the old data
    stores it under the version forgotten here. Forgetting rather than setting a new token: a
    person who does not come back costs no key. A cache outage never fails the write (the entries
    then expire after ``PUBLIC_PAGE_CACHE_SECONDS``)."""
    if not personal_versions_on():
        return
    keys = [_version_key(name, person_id) for person_id in set(person_ids) if person_id is not None]
    if keys:
        transaction.on_commit(lambda: _forget_quietly(keys), robust=True)


def _forget_quietly(keys):
    try:
        cache.delete_many(keys)
    except Exception:  # the change is committed; the entries expire on their own
        logger.exception("personal fragment cache: bump failed")


def _cacheable_request(request):
    return (
        settings.PUBLIC_PAGE_CACHE_SECONDS > 0
        # While Redis is down the cache falls back to each process's memory (portal.cache), where
        # another process's invalidation would not be seen: render instead.
        and not getattr(cache, "redis_is_down", False)
        and request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


@lru_cache(maxsize=4096)
def _is_public_view(path):
    try:
        return getattr(resolve(path).func, "public_page", False)
    except Resolver404:
        return False


class PublicPageCacheMiddleware:
    """Serve and store public pages (see the module). Sits right after CsrfViewMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (_cacheable_request(request) and _is_public_view(request.path_info)):
            return self.get_response(request)
        key = _page_key(request)
        generation, entry = _generation_and(key)
        if entry is not None and entry[0] == generation:
            return self._answer(request, entry)
        response = self.get_response(request)
        if self._storable(request, response):
            body = _TOKEN_INPUT.sub(rb"\1" + PLACEHOLDER + rb"\2", response.content)
            headers = [(name, response[name]) for name in _STORED_HEADERS if response.has_header(name)]
            cache.set(key, (generation, headers, body), settings.PUBLIC_PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def _storable(request, response):
        return (
            getattr(response, "public_page", False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.session.modified
        )

    @staticmethod
    def _answer(request, entry):
        _generation, headers, body = entry
        if PLACEHOLDER in body:
            body = body.replace(PLACEHOLDER, get_token(request).encode())
        response = HttpResponse(body)
        for name, value in headers:
            response[name] = value
        return response
