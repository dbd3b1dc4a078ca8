"""Settings for the test suite: the real database from DATABASE_URL (SQLite by default), but
Celery eager and emails in memory, so that ordinary tests never need a broker or an SMTP server.
The tests meant for a real worker or a real SMTP server set those up themselves."""

import tempfile
from pathlib import Path

from .settings import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Off, except in the tests of the public page cache (portal/tests/test_public_cache.py).
PUBLIC_PAGE_CACHE_SECONDS = 0
# Off too (each request reads the user, so that query counts do not depend on the order of
# requests), except in the tests of the user cache and of the surge's query bounds.
USER_CACHE_SECONDS = 0
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-private-"))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SITE_URL = "http://testserver"
# Serve static files from the app folders (no collectstatic needed, no "No directory at" warning).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
