"""Screening in the admin: the application's dated screenings and staff verifications (inlines for
the application page), the verification form (one criterion verified or rejected, with a
comment, which re-screens the application) and the progress of batch re-screenings."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin import PortalModelAdmin, PortalTabularInline, RecordAdmin
from programmes import eligibility

from ..criteria import criteria_of
from ..models import CriterionVerification, RescreeningRun, Screening
from ..screening import check_verification, verify_criterion


def verification_url(application_id, criterion=""):
    query = urlencode(
        {"application": application_id, "criterion": criterion} if criterion else {"application": application_id}
    )
    return f"{reverse('admin:candidates_criterionverification_add')}?{query}"


def criteria_html(screening, *, with_links=False):
    """The criteria of a screening as a list: mark, status, message in the admin's language, and a
    "verify" link for those a document could settle."""
    verifiable = set(CriterionVerification.Criterion.values)
    rows = []
    for criterion in criteria_of(screening):
        link = ""
        if with_links and criterion.code in verifiable and criterion.status != eligibility.MET:
            link = format_html(
                ' <a href="{}">{}</a>',
                verification_url(screening.application_id, criterion.code),
                gettext("contrôler"),
            )
        rows.append((criterion.mark, criterion.label, criterion.status_label, criterion.message, link))
    if not rows:
        return "—"
    items = format_html_join("", '<li><span aria-hidden="true">{}</span> <strong>{}</strong> ({}) : {}{}</li>', rows)
    return format_html("<ul>{}</ul>", items)


class ScreeningInline(PortalTabularInline):
    """Every screening of the application, newest first; the current one has no "superseded" date."""

    model = Screening
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("vérification d'éligibilité")
    verbose_name_plural = _("vérifications d'éligibilité (historique)")
    fields = [
        "created_at",
        "outcome",
        "priority_score",
        "rule_set",
        "run_by",
        "run_by_role",
        "superseded_at",
        "reasons",
    ]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("rule_set__programme", "rule_set__session", "run_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("critères"))
    def reasons(self, screening):
        return criteria_html(screening, with_links=screening.superseded_at is None)


class CriterionVerificationInline(PortalTabularInline):
    model = CriterionVerification
    fk_name = "application"
    extra = 0
    can_delete = False
    verbose_name_plural = _("contrôles des critères par l'équipe")
    fields = ["created_at", "criterion", "decision", "comment", "verified_by"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("verified_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CriterionVerificationForm(forms.ModelForm):
    """The service's own checks run in ``clean`` so that errors land on their fields."""

    class Meta:
        model = CriterionVerification
        fields = ["application", "criterion", "decision", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "comment": _("Ce que vous avez vu, par exemple « attestation France Travail du 3 mars 2026 »."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "application" in self.fields:
            # A staff check is about one application (attestations, about a person, are the
            # advisers' and are made from their space).
            self.fields["application"].required = True

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            check_verification(
                cleaned["application"],
                criterion=cleaned["criterion"],
                decision=cleaned["decision"],
                comment=cleaned["comment"],
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                self.add_error(field if field in self.fields else None, field_errors)
        return cleaned


@admin.register(CriterionVerification)
class CriterionVerificationAdmin(PortalModelAdmin):
    """Staff checks and advisers' attestations, to read; adding a staff check runs
    ``verify_criterion``: a new screening takes it into account."""

    form = CriterionVerificationForm
    list_display = [
        "application",
        "person",
        "source",
        "criterion",
        "decision",
        "verified_by",
        "organisation",
        "created_at",
        "expires_at",
    ]
    list_filter = ["source", "criterion", "decision"]
    list_select_related = [
        "application__candidate",
        "application__session__site",
        "verified_by",
        "organisation",
        "person",
    ]
    raw_id_fields = ["application"]

    def _is_municipal(self, request):
        return request.user.is_active and request.user.is_municipal_staff

    def has_module_permission(self, request):
        return self._is_municipal(request)

    def has_view_permission(self, request, obj=None):
        return self._is_municipal(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self._is_municipal(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return False  # a decision is a log entry: record a new one instead

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return super().get_fields(request, obj)
        return [
            "source",
            "application",
            "person",
            "criterion",
            "decision",
            "comment",
            "verified_by",
            "organisation",
            "created_at",
            "expires_at",
            "screening",
        ]

    def save_model(self, request, obj, form, change):
        verification = verify_criterion(
            obj.application, criterion=obj.criterion, decision=obj.decision, comment=obj.comment, actor=request.user
        )
        obj.pk, obj.screening, obj.verified_by, obj.created_at = (
            verification.pk,
            verification.screening,
            verification.verified_by,
            verification.created_at,
        )

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            gettext("Contrôle enregistré ; nouvelle vérification d'éligibilité : %(outcome)s.")
            % {"outcome": obj.screening.get_outcome_display() if obj.screening else "—"},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:candidates_application_change", args=[obj.application_id]))


@admin.register(Screening)
class ScreeningAdmin(RecordAdmin):
    """Screenings are records: read them, never edit them."""

    list_display = [
        "application",
        "outcome",
        "priority_score",
        "rule_set",
        "run_by_role",
        "created_at",
        "superseded_at",
    ]
    list_filter = ["outcome", "run_by_role", ("superseded_at", admin.EmptyFieldListFilter)]
    list_select_related = [
        "application__candidate",
        "application__session__site",
        "rule_set__programme",
        "rule_set__session__site",
    ]
    fields = [
        "application",
        "rule_set",
        "outcome",
        "priority_score",
        "reasons",
        "inputs",
        "run_by",
        "run_by_role",
        "created_at",
        "superseded_at",
        "signature",
    ]
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_municipal_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    @admin.display(description=_("critères"))
    def reasons(self, screening):
        return criteria_html(screening, with_links=screening.superseded_at is None)


@admin.register(RescreeningRun)
class RescreeningRunAdmin(RecordAdmin):
    list_display = ["programme", "state", "progress", "rescreened", "status_changes", "requested_by", "created_at"]
    list_filter = ["state", "programme"]
    list_select_related = ["programme", "requested_by"]
    fields = [
        "programme",
        "state",
        "progress",
        "total",
        "processed",
        "rescreened",
        "status_changes",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "error",
    ]
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_municipal_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    @admin.display(description=_("avancement"))
    def progress(self, run):
        return format_html(
            '<progress max="100" value="{}" aria-label="{}">{} %</progress> {} / {}',
            run.percent,
            gettext("avancement"),
            run.percent,
            run.processed,
            run.total,
        )
