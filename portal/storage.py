"""Storage for private files (documents, signed charters): outside STATIC and any public URL.

Files are read back only through views that check permissions and stream them with
FileResponse; the storage has no base_url, so nothing can link to them directly."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_storage():
    """Callable storage for FileField(storage=private_storage): resolved at run time, so tests
    (and migrations) never bake in a machine-specific path."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)
