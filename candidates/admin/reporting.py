"""Reporting in the admin: the funders' reports page (ESF participant indicators; France
Travail per agency of orientation: a form, then an export job built by the exports' task, for
holders of ``candidates.export_funder_reports``), the trainees' follow-ups and
the open data releases (read only: their services write them)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.admin import RecordAdmin
from programmes.models import Programme

from .. import exports, personal_data
from ..models import ExportJob, OpenDataRelease, TraineeFollowUp


class FunderReportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Rapport"), widget=forms.RadioSelect)
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Programme et saison"),
        queryset=Programme.objects.order_by("name", "season"),
        required=False,
        empty_label=gettext_lazy("Tous les programmes"),
    )
    since = forms.DateField(
        label=gettext_lazy("Période : à partir du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy(
            "FSE : entrées en formation dans la période. France Travail : candidatures aux sessions qui "
            "commencent dans la période."
        ),
    )
    until = forms.DateField(
        label=gettext_lazy("jusqu'au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, ExportJob.Kind(kind).label) for kind in exports.FUNDER_REPORTS]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("La fin de la période doit suivre son début."))
        return cleaned

    def parameters(self):
        data = self.cleaned_data
        return {
            "programme": data["programme"].pk if data["programme"] else None,
            "since": data["since"].isoformat() if data["since"] else None,
            "until": data["until"].isoformat() if data["until"] else None,
        }


def funder_reports_view(model_admin, request):
    if not request.user.has_perm(exports.FUNDER_REPORTS_PERMISSION):
        raise PermissionDenied
    form = FunderReportForm(request.POST or None, initial={"kind": ExportJob.Kind.ESF})
    if request.method == "POST" and form.is_valid():
        exports.request_funder_report(request.user, kind=form.cleaned_data["kind"], parameters=form.parameters())
        messages.info(
            request, _("Le rapport est en préparation : il apparaîtra ici, prêt à télécharger, dans quelques minutes.")
        )
        return HttpResponseRedirect(reverse("admin:candidates_exportjob_changelist"))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Rapports des financeurs"),
        "form": form,
    }
    return TemplateResponse(request, "admin/candidates/exportjob/funder_reports.html", context)


@admin.register(TraineeFollowUp)
class TraineeFollowUpAdmin(RecordAdmin):
    """What became of the trainees, as the trainees answered or the centres recorded it
    (candidates.follow_up writes it)."""

    list_display = [
        "application",
        "entered_on",
        "entry_situation",
        "completed",
        "exit_situation",
        "six_month_situation",
        "exit_source",
    ]
    list_filter = [
        "application__session__programme",
        "completed",
        "entry_situation",
        "exit_situation",
        "six_month_situation",
        "exit_source",
    ]
    list_select_related = ["application__candidate", "application__session"]
    date_hierarchy = "entered_on"
    show_full_result_count = False
    readonly_fields = [field.name for field in TraineeFollowUp._meta.fields]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_municipal_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)


@admin.register(OpenDataRelease)
class OpenDataReleaseAdmin(RecordAdmin):
    """The nightly open data releases (candidates.reporting.open_data); the public URLs serve the
    latest."""

    list_display = ["data_date", "created_at", "threshold", "suppressed_cells", "public_files"]
    readonly_fields = ["data_date", "created_at", "threshold", "suppressed_cells"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_municipal_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    @admin.display(description=gettext_lazy("fichiers publics"))
    def public_files(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("candidates:open_data"), _("Données ouvertes"))


def retention_view(model_admin, request):
    """The retention job's dry run: what it would delete or anonymise if it ran now, per programme,
    with the periods it reads from the settings (the same the privacy notice states)."""
    if not (request.user.is_active and request.user.is_municipal_staff):
        raise PermissionDenied
    plan = personal_data.RetentionPlan.on()
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Conservation des données"),
        "plan": plan,
        "report": plan.report(),
    }
    return TemplateResponse(request, "admin/data_retention.html", context)
