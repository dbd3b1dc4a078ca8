"""The signed-in user from the cache.

Django's authentication middleware reads the user's row on every request of a signed-in person:
one query (about 0.7 ms of CPU with its compilation here), on every page of opening day's journey.
The backends of ``portal.auth_backends`` take the user from the shared cache (Redis in
production) for ``settings.USER_CACHE_SECONDS`` (0: no cache, as in the test suite but for the
tests that turn it on); the user is forgotten as soon as the row is saved or
deleted (now, and again after the commit, so that no request between the two puts the old row
back). The session's check of the password hash is unchanged (Django compares it with the cached
user's hash, and a password change saves the row).

``AUTH_USER_CACHED_RELATIONS`` (settings) names one-to-one relations read with the user and
cached with it (the candidate's profile: most of a candidate's pages need it); the app that owns
such a relation forgets the user when its row is saved or deleted (``forget_user``).

Writes that bypass ``save()`` (``QuerySet.update()``) must call ``forget_user``; there is none on
these rows today.

Other per-user entries that every page of a signed-in person reads (the menu's roles, see
``partners.templatetags.partners_tags``) are registered with ``read_with_user``: they come in the
same round trip to the cache as the user, and are kept on the request's user instance under the
attribute their owner reads first. Each owner still writes and forgets its own entry; a missing
entry is simply absent from the user, and its owner reads it as before.

No model import here: the apps' ``ready()`` connect ``forget_user`` to their signals.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction


def _key(user_id):
    return f"auth-user:{user_id}"


# attribute on the user -> function of the user's id giving the entry's cache key
_COMPANIONS = {}


def read_with_user(attribute, key):
    """Read the cache entry ``key(user_id)`` in the same round trip as the signed-in user, and
    keep its value (when there is one) on the user instance as ``attribute``."""
    _COMPANIONS[attribute] = key


def cached_user(user_id):
    """The user (with AUTH_USER_CACHED_RELATIONS), from the cache or read and cached; None if
    there is no such user. The registered companions' entries come in the same round trip."""
    seconds = settings.USER_CACHE_SECONDS
    key = _key(user_id)
    user, companions = None, {}
    if seconds:
        wanted = {key_of(user_id): attribute for attribute, key_of in _COMPANIONS.items()}
        found = cache.get_many([key, *wanted])
        user = found.pop(key, None)
        companions = {wanted[entry]: value for entry, value in found.items()}
    if user is None:
        model = get_user_model()
        try:
            user = model._default_manager.select_related(*settings.AUTH_USER_CACHED_RELATIONS).get(pk=user_id)
        except model.DoesNotExist:
            return None
        if seconds:
            cache.set(key, user, seconds)
    for attribute, value in companions.items():
        setattr(user, attribute, value)
    return user


def forget_user(user_id):
    cache.delete(_key(user_id))
    transaction.on_commit(lambda: cache.delete(_key(user_id)), robust=True)


def forget_saved_user(sender, instance, **kwargs):
    forget_user(instance.pk)
