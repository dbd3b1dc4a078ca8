"""Storage for private files (documents, signed charters): outside STATIC and any public URL.

Files are read back only through views that check permissions and stream them with
FileResponse; nothing links to them directly.

- Embedded default: a folder on the web server's disk (``PRIVATE_MEDIA_ROOT``), fine for one machine.
- With ``STORAGE_URL`` set (``s3://KEY:SECRET@bucket?endpoint_url=https://…&region_name=…``): an
  S3-compatible object store (AWS S3, Scaleway, OVHcloud, Outscale, MinIO, Garage…) through
  django-storages, shared by every web node and worker. Objects are private (no ACL, presigned
  URLs only) and never overwritten: two uploads of « cv.pdf » keep two objects.
"""

import functools
from urllib.parse import parse_qsl, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

# STORAGE_URL query parameters passed to django-storages' S3Storage as they are.
S3_OPTIONS = ("endpoint_url", "region_name", "location", "signature_version", "addressing_style")


def s3_options(url):
    """S3Storage options from a STORAGE_URL; {} when the URL is empty."""
    if not url:
        return {}
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ImproperlyConfigured("STORAGE_URL must look like s3://[KEY:SECRET@]bucket[?endpoint_url=…].")
    query = dict(parse_qsl(parts.query))
    unknown = set(query) - set(S3_OPTIONS)
    if unknown:
        raise ImproperlyConfigured(f"STORAGE_URL: unknown parameters {sorted(unknown)} (known: {list(S3_OPTIONS)}).")
    options = {
        "bucket_name": parts.hostname,
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
        "location": "private",
        **query,
    }
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    return options


def private_storage():
    """Callable storage for FileField(storage=private_storage): resolved at run time, so tests
    (and migrations) never bake in a machine-specific path or bucket."""
    options = s3_options(settings.STORAGE_URL)
    if options:
        from storages.backends.s3 import S3Storage

        return S3Storage(**options)
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's storage (hashed names, compressed copies), with each file's URL worked out once
    per process: every page asks for the same half-dozen stylesheets and scripts, and the manifest
    lookup and URL joining cost about as much as the rest of a cached page's frame. The manifest is
    read once per process anyway: a deployment (collectstatic, then new processes) changes both."""

    @functools.lru_cache(maxsize=1024)  # noqa: B019 — one instance per process, kept for its life
    def url(self, name, force=False):
        return super().url(name, force=force)
