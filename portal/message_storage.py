"""Flash messages (« Document ajouté », « Connexion avec Awa Diallo réussie ») kept in the shared
cache, under a random token that a cookie names.

Django's SessionStorage kept them in the session: every message cost two saves of the session
(when added, when shown), and with ``cached_db`` sessions each save is an UPDATE of the session's
row plus a cache write — seven writes to the database in a candidate's application journey (the
logout's message even created a new session row, which then kept the visitor off the public page
cache). Django's CookieStorage would put the text, names included, in a cookie the browser keeps.
Here the cookie holds only the token (HttpOnly, Secure in production, SameSite as the session's);
the messages wait in the cache for ``MESSAGE_CACHE_SECONDS``, and a page without the cookie does
not ask the cache at all. Each store takes a fresh token and forgets the old one, so a token
planted in a browser is never written to.

While Redis is unreachable the cache falls back to each process's memory (``portal.cache``): a
message may then be lost on its way to another worker, never the act it confirms.
"""

import json
import re
import secrets

from django.conf import settings
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.messages.storage.cookie import MessageDecoder, MessageEncoder
from django.core.cache import cache

COOKIE_NAME = "messages"  # the name portal.public_cache already steps aside for
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def _cache_key(token):
    return f"messages:{token}"


class CacheStorage(BaseStorage):
    def _token(self):
        token = self.request.COOKIES.get(COOKIE_NAME, "")
        return token if _TOKEN.fullmatch(token) else None

    def _get(self, *args, **kwargs):
        token = self._token()
        data = cache.get(_cache_key(token)) if token else None
        return (json.loads(data, cls=MessageDecoder) if data else []), True

    def _store(self, messages, response, *args, **kwargs):
        old = self._token()
        if old:
            cache.delete(_cache_key(old))
        if messages:
            token = secrets.token_urlsafe(32)
            data = json.dumps(messages, cls=MessageEncoder, separators=(",", ":"))
            cache.set(_cache_key(token), data, settings.MESSAGE_CACHE_SECONDS)
            response.set_cookie(
                COOKIE_NAME,
                token,
                domain=settings.SESSION_COOKIE_DOMAIN,
                secure=settings.SESSION_COOKIE_SECURE or None,
                httponly=True,
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )
        elif COOKIE_NAME in self.request.COOKIES:
            response.delete_cookie(
                COOKIE_NAME, domain=settings.SESSION_COOKIE_DOMAIN, samesite=settings.SESSION_COOKIE_SAMESITE
            )
        return []
