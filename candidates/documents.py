"""Uploaded documents: recognised by their content (magic numbers), never by their name."""

import filetype
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ACCEPTED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}
HEAD_BYTES = 8192


def check_upload(upload, *, max_size):
    """Return the detected content type of ``upload`` or raise a ValidationError in plain French."""
    if upload.size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    if upload.size > max_size:
        raise ValidationError(
            _("Le fichier fait %(size)s : c'est trop lourd, la limite est de %(max)s.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_size)},
            code="too_big",
        )
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ACCEPTED_TYPES:
        raise ValidationError(
            _(
                "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG (d'après son contenu, quel que soit son nom). "
                "Enregistrez votre document en PDF ou prenez-le en photo, puis réessayez."
            ),
            code="bad_type",
        )
    return kind.mime


def downloadable_by(user):
    """The documents ``user`` may open: their own; for municipal staff, those of sent applications;
    for a training centre's staff, those of their structure's sessions once the application reached
    them (eligible onwards). Everything else is a 404."""
    from programmes.models import TrainingProvider

    from .models import ApplicationDocument
    from .workflow import VISIBLE_TO_CENTRE_STATUSES, Status

    if not user.is_authenticated:
        return ApplicationDocument.objects.none()
    allowed = Q(application__candidate=user) | Q(
        application__status__in=VISIBLE_TO_CENTRE_STATUSES,
        application__session__site__provider__in=TrainingProvider.objects.filter(memberships__user=user),
    )
    if user.is_municipal_staff:
        allowed |= ~Q(application__status=Status.DRAFT)
    return ApplicationDocument.objects.filter(allowed)
