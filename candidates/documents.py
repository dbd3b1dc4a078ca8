"""Candidates' documents: checked and named by the portal (portal.uploads), opened only by those
allowed (``downloadable_by``)."""

from django.db.models import Q
from django.utils.text import slugify

from portal.uploads import DOCUMENT_TYPES, inspect_upload
from programmes.models import TrainingProvider

from .models import ApplicationDocument
from .workflow import UNSENT_STATUSES, VISIBLE_TO_CENTRE_STATUSES


def check_upload(upload, *, max_size):
    """The ``portal.uploads.CleanFile`` to store for a candidate's document (a PDF, or a JPEG or
    PNG image re-encoded), or a ValidationError in plain French."""
    return inspect_upload(upload, max_size=max_size, accepted=DOCUMENT_TYPES)


def download_name(document):
    """The name a download gets: the kind of document, its number and the detected type's
    extension (``cv-42.pdf``), never what the candidate called the file."""
    extension = DOCUMENT_TYPES.get(document.content_type, "bin")
    return f"{slugify(document.get_kind_display()) or 'document'}-{document.pk}.{extension}"


def downloadable_by(user):
    """The documents ``user`` may open: their own; for municipal staff, those of sent applications;
    for a training centre's staff, those of their structure's sessions once the application reached
    them (eligible onwards). Everything else is a 404."""
    if not user.is_authenticated:
        return ApplicationDocument.objects.none()
    allowed = Q(application__candidate=user) | Q(
        application__status__in=VISIBLE_TO_CENTRE_STATUSES,
        application__session__site__provider__in=TrainingProvider.objects.filter(memberships__user=user),
    )
    if user.is_municipal_staff:
        allowed |= ~Q(application__status__in=UNSENT_STATUSES)
    return ApplicationDocument.objects.filter(allowed)
