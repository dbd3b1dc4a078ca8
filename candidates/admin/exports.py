"""The export page of the application list and the requester's export jobs."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit
from portal.admin import PortalModelAdmin
from portal.admin_parameters import clean_changelist_parameters

from .. import exports
from ..models import ExportJob
from . import reporting


class ExportForm(forms.Form):
    file_format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=ExportJob.Format.choices, widget=forms.RadioSelect
    )
    include_personal_data = forms.BooleanField(
        label=gettext_lazy("Inclure les données personnelles (nom, e-mail, téléphone, date de naissance, adresse)"),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not user.has_perm(exports.PERSONAL_DATA_PERMISSION):
            del self.fields["include_personal_data"]


def export_download(request, job):
    """The export's file, recorded in the personal-data access trail (who took which list, when)."""
    detail = f"{job.get_format_display()}, {job.row_count} ligne(s), filtres : {job.query_string or '—'}"
    if job.include_personal_data:
        detail += ", données personnelles"
    audit.record_access(request, audit.Action.EXPORT_DOWNLOADED, job, space="admin", detail=detail)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=exports.file_name(job))


def export_view(model_admin, request):
    """GET: what will be exported and in which format; POST: the file, or a job for large lists."""
    if not (model_admin.has_view_permission(request) and request.user.has_perm("candidates.add_exportjob")):
        raise PermissionDenied
    # The list's filters, checked as the list checks them (a wrong value is dropped, with a message).
    request.GET = clean_changelist_parameters(model_admin, request)
    query_string = request.GET.urlencode()
    form = ExportForm(request.POST or None, user=request.user, initial={"file_format": request.GET.get("_format")})
    if request.method == "POST" and form.is_valid():
        job = exports.request_export(
            request.user,
            query_string=query_string,
            file_format=form.cleaned_data["file_format"],
            include_personal_data=form.cleaned_data.get("include_personal_data", False),
        )
        if job.state == ExportJob.State.READY:
            return export_download(request, job)
        messages.info(
            request,
            _("L'export est en préparation : il apparaîtra ici, prêt à télécharger, dans quelques minutes."),
        )
        return HttpResponseRedirect(reverse("admin:candidates_exportjob_changelist"))
    count = exports.changelist_queryset(request.user, query_string).count()
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Exporter la liste des candidatures"),
        "form": form,
        "count": count,
        "asynchronous": count > exports.SYNC_EXPORT_LIMIT,
        "back_url": reverse("admin:candidates_application_changelist") + (f"?{query_string}" if query_string else ""),
    }
    return TemplateResponse(request, "admin/candidates/application/export.html", context)


@admin.register(ExportJob)
class ExportJobAdmin(PortalModelAdmin):
    """Each member of staff sees and downloads only the exports they asked for."""

    list_display = ["created_at", "kind", "format", "state", "row_count", "include_personal_data", "download"]
    list_filter = ["kind", "state", "format"]
    change_list_template = "admin/candidates/exportjob/change_list.html"
    fields = [
        "created_at",
        "kind",
        "format",
        "parameters",
        "state",
        "row_count",
        "include_personal_data",
        "query_string",
        "finished_at",
        "error",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(requested_by=request.user)

    def has_add_permission(self, request):
        return False  # created from the application list's export button

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("fichier"))
    def download(self, obj):
        if obj.state != ExportJob.State.READY:
            return "—"
        url = reverse("admin:candidates_exportjob_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger"))

    def get_urls(self):
        download = path(
            "<int:pk>/download/",
            self.admin_site.admin_view(self.download_view),
            name="candidates_exportjob_download",
        )
        reports = path(
            "rapports-financeurs/",
            self.admin_site.admin_view(partial(reporting.funder_reports_view, self)),
            name="candidates_exportjob_funder_reports",
        )
        return [download, reports, *super().get_urls()]

    def download_view(self, request, pk):
        job = get_object_or_404(self.get_queryset(request), pk=pk, state=ExportJob.State.READY)
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        return export_download(request, job)
