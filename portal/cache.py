"""The Redis cache, failing safe: while Redis is unreachable, each process falls back to its own
memory instead of raising.

django-allauth keeps its rate limits (login failures, sign-ups, password resets) in the default
cache. With a plain Redis cache, a Redis outage turned every login and password reset into a 500.
Here the limits keep counting in the process's memory during the outage (per process, hence a
little looser with several workers, never open), and Redis is tried again after
``RETRY_AFTER`` seconds, so that an outage costs one connection timeout per process and interval,
not one per request.

It also keeps one Redis client per connection pool instead of one per call: Django's
RedisCacheClient builds a new ``redis.Redis`` for every cache operation, and redis-py fills a table
of response callbacks in each new client — about 0.1 ms of CPU per operation here, a fifth of a
public page served from the cache. A client is thread-safe over its pool, and Django keeps one
cache backend per thread anyway.
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_AFTER = 5.0

# Shared by every thread of the process (Django builds one cache object per thread).
_redis_down_until = {}
_lock = threading.Lock()


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class FailSafeRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._location = server
        fallback_params = {key: value for key, value in params.items() if key in {"TIMEOUT", "KEY_PREFIX", "VERSION"}}
        self._fallback = LocMemCache(
            f"portal-failsafe:{server}", {**fallback_params, "OPTIONS": {"MAX_ENTRIES": 10000}}
        )

    @property
    def redis_is_down(self):
        return time.monotonic() < _redis_down_until.get(self._location, 0.0)

    def _mark_down(self, error):
        with _lock:
            already_down = self.redis_is_down
            _redis_down_until[self._location] = time.monotonic() + RETRY_AFTER
        if not already_down:
            logger.warning(
                "Redis cache unreachable (%s): using this process's memory for %s s", type(error).__name__, RETRY_AFTER
            )

    def _call(self, method, *args, **kwargs):
        if not self.redis_is_down:
            try:
                return getattr(RedisCache, method)(self, *args, **kwargs)
            except REDIS_UNAVAILABLE as error:
                self._mark_down(error)
        return getattr(self._fallback, method)(*args, **kwargs)

    def clear(self):
        self._fallback.clear()
        return self._call("clear")


def _fail_safe(method):
    def call(self, *args, **kwargs):
        return self._call(method, *args, **kwargs)

    call.__name__ = call.__qualname__ = method
    return call


for _method in ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many"):
    setattr(FailSafeRedisCache, _method, _fail_safe(_method))
