"""Exports of the application list (XLSX, CSV) for programme managers.

The rows are exactly the admin changelist's, filters and search included: the task rebuilds the
changelist from the stored query string, as the requester, so an export never shows more than
the list did. Personal data columns need the ``candidates.export_personal_data`` permission.
"""

import datetime

import tablib
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programmes.models import TRACK_FAMILIES, Track

# tasks: large exports are built by a task, which wraps build() (see docs/architecture.md).
from . import tasks
from .models import AUDIENCE_FLAGS, Application, ExportJob, OrganisationKind, ScreeningOutcome
from .reporting import funders
from .workflow import RefusalReason, Status

PERSONAL_DATA_PERMISSION = "candidates.export_personal_data"
FUNDER_REPORTS_PERMISSION = "candidates.export_funder_reports"
# The funders' reports the exports' task builds (candidates.reporting.funders), always as XLSX.
FUNDER_REPORTS = tuple(funders.REPORTS)
# Up to this many rows the file is built in the request; beyond, by a Celery task.
SYNC_EXPORT_LIMIT = 500
# Exported files hold personal data: they are deleted after this many days.
RETENTION_DAYS = 7
# A cell starting with one of these is a formula to spreadsheet software (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Parameters of the export page itself, not filters of the list.
EXPORT_PARAMS = {"_format", "_personal"}

# (header, values() path) — what a programme manager needs, no personal data.
COLUMNS = [
    (gettext_lazy("Référence"), "reference"),
    (gettext_lazy("Programme"), "session__programme__name"),
    (gettext_lazy("Saison"), "session__programme__season"),
    (gettext_lazy("Structure"), "session__site__provider__name"),
    (gettext_lazy("Lieu"), "session__site__commune"),
    (gettext_lazy("Département"), "session__site__departement"),
    (gettext_lazy("Session"), "session__name"),
    (gettext_lazy("Début de la session"), "session__starts_on"),
    (gettext_lazy("Métier"), "session__track"),
    (gettext_lazy("Famille de métiers"), "session__track"),
    (gettext_lazy("Statut"), "status"),
    (gettext_lazy("Éligibilité"), "screening_outcome"),
    (gettext_lazy("Score de priorité"), "priority_score"),
    (gettext_lazy("Envoyée le"), "submitted_at"),
    # One column per priority audience, named as the application's field.
    *((capfirst(Application._meta.get_field(flag).verbose_name), flag) for flag in AUDIENCE_FLAGS.values()),
    (gettext_lazy("Motif du refus"), "refusal_reason"),
    # Who oriented the application (France Travail and the City count per agency and per kind).
    (gettext_lazy("Orientée par"), "oriented_by__name"),
    (gettext_lazy("Type d'organisation d'orientation"), "oriented_by__kind"),
]
PERSONAL_COLUMNS = [
    (gettext_lazy("Nom"), "candidate__last_name"),
    (gettext_lazy("Prénom"), "candidate__first_name"),
    (gettext_lazy("Adresse e-mail"), "candidate__email"),
    (gettext_lazy("Téléphone"), "candidate__candidate_profile__phone"),
    (gettext_lazy("Date de naissance"), "candidate__candidate_profile__birth_date"),
    (gettext_lazy("Code postal"), "candidate__candidate_profile__postcode"),
    (gettext_lazy("Commune"), "candidate__candidate_profile__commune"),
]


def _formatters():
    yes, no = _("oui"), _("non")
    labels = {
        "session__track": lambda v: Track(v).label if v in Track.values else v,
        "status": lambda v: Status(v).label if v in Status.values else v,
        "screening_outcome": lambda v: ScreeningOutcome(v).label if v in ScreeningOutcome.values else "",
        "refusal_reason": lambda v: RefusalReason(v).label if v in RefusalReason.values else "",
        "reference": str,
        "oriented_by__kind": lambda v: OrganisationKind(v).label if v in OrganisationKind.values else v,
    }
    family = lambda v: TRACK_FAMILIES[Track(v)].label if v in Track.values else ""  # noqa: E731

    def plain(value):
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            return "'" + value  # typed by a candidate: shown as text, never run as a formula
        if isinstance(value, bool):
            return yes if value else no
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
        if isinstance(value, datetime.date):
            return value.strftime("%d/%m/%Y")
        return "" if value is None else value

    return labels, family, plain


def columns_for(user, include_personal_data):
    personal = include_personal_data and user.has_perm(PERSONAL_DATA_PERMISSION)
    return PERSONAL_COLUMNS + COLUMNS if personal else list(COLUMNS)


def build_dataset(queryset, columns):
    labels, family, plain = _formatters()
    paths = [path for _header, path in columns]
    family_index = [header for header, _path in columns].index(gettext_lazy("Famille de métiers"))
    dataset = tablib.Dataset(headers=[str(header) for header, _path in columns])
    for values in queryset.values_list(*paths).iterator(chunk_size=2000):
        row = []
        for index, (path, value) in enumerate(zip(paths, values, strict=True)):
            if index == family_index:
                row.append(family(value))
            elif path in labels:
                row.append(str(labels[path](value)) if value not in (None, "") else "")
            else:
                row.append(plain(value))
        dataset.append(row)
    return dataset


def changelist_queryset(user, query_string):
    """The admin changelist's rows for these filters, as this user would see them."""
    params = QueryDict(query_string, mutable=True)
    for name in EXPORT_PARAMS:
        params.pop(name, None)
    request = RequestFactory().get(reverse("admin:candidates_application_changelist"), params)
    request.user = user
    model_admin = admin.site._registry[Application]
    changelist = model_admin.get_changelist_instance(request)
    return changelist.get_queryset(request)


def render(dataset, file_format):
    if file_format == ExportJob.Format.XLSX:
        return dataset.export("xlsx")
    # A BOM so that Excel opens the French accents right; semicolons as French Excel expects.
    return ("\ufeff" + dataset.export("csv", delimiter=";")).encode("utf-8")


def file_name(job):
    if job.kind in FUNDER_REPORTS:
        return funders.file_name(job.kind, job.parameters, job.created_at)
    return f"candidatures-{timezone.localtime(job.created_at):%Y%m%d-%H%M}.{job.format}"


def build(job_id):
    """Build the file of one export job; idempotent (a ready or failed job is left alone)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update(of=("self",)).select_related("requested_by").get(pk=job_id)
        if job.state in (ExportJob.State.READY, ExportJob.State.FAILED):
            return job
        job.state = ExportJob.State.RUNNING
        job.save(update_fields=["state"])
    if job.kind in FUNDER_REPORTS:
        if not job.requested_by.has_perm(FUNDER_REPORTS_PERMISSION):
            raise PermissionDenied("funder reports need their permission")
        book = funders.REPORTS[job.kind](job.parameters)
        content, rows = book.export("xlsx"), sum(len(sheet) for sheet in book.sheets())
    else:
        queryset = changelist_queryset(job.requested_by, job.query_string)
        dataset = build_dataset(queryset, columns_for(job.requested_by, job.include_personal_data))
        content, rows = render(dataset, job.format), len(dataset)
    job.file.save(file_name(job), ContentFile(content), save=False)
    job.row_count = rows
    job.state = ExportJob.State.READY
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "row_count", "state", "finished_at"])
    return job


def purge_old_exports(now=None):
    """Delete the export jobs (and their files) older than RETENTION_DAYS. Returns how many."""
    limit = (now or timezone.now()) - datetime.timedelta(days=RETENTION_DAYS)
    purged = 0
    for job in ExportJob.objects.filter(created_at__lt=limit).iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        purged += 1
    return purged


def request_funder_report(user, *, kind, parameters):
    """Record a funder's report job (XLSX, aggregates only), built by the task after commit."""
    if kind not in FUNDER_REPORTS or not user.has_perm(FUNDER_REPORTS_PERMISSION):
        raise PermissionDenied
    job = ExportJob.objects.create(requested_by=user, kind=kind, format=ExportJob.Format.XLSX, parameters=parameters)
    tasks.build_export.delay_on_commit(job.pk)
    return job


def request_export(user, *, query_string, file_format, include_personal_data):
    """Record the job; small lists are built at once, large ones by the task after commit.
    Returns the job (ready when built at once)."""
    include_personal_data = include_personal_data and user.has_perm(PERSONAL_DATA_PERMISSION)
    job = ExportJob.objects.create(
        requested_by=user,
        format=file_format,
        query_string=query_string,
        include_personal_data=include_personal_data,
    )
    if changelist_queryset(user, query_string).count() <= SYNC_EXPORT_LIMIT:
        return build(job.pk)
    tasks.build_export.delay_on_commit(job.pk)
    return job
