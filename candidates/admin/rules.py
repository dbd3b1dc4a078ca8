"""Eligibility rules in the admin: municipal staff edit them in plain fields (no JSON to type);
saving always stores a new version (programmes.rules.save_new_version); an action re-screens a
programme's open applications (candidates.screening). Registered here, on the candidates side,
because that action starts a re-screening: programmes knows nothing of applications."""

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin import WorkflowHistoryAdmin
from portal.forms import ServiceModelForm
from programmes.models import EligibilityRuleSet, PriorityAudience
from programmes.rules import save_new_version

from ..screening import start_rescreening

DEPARTEMENT = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$")


def weight_field(audience):
    return f"weight_{audience}"


def weight_fields():
    return {
        weight_field(audience.value): forms.IntegerField(
            label=format_lazy(_("poids : {audience}"), audience=audience.label),
            required=False,
            min_value=0,
            max_value=1000,
            help_text=_("Points ajoutés au score de priorité. Vide ou 0 : aucun."),
        )
        for audience in PriorityAudience
    }


class BaseRuleSetForm(ServiceModelForm):
    departements = forms.CharField(
        label=_("départements acceptés"),
        required=False,
        help_text=_("Numéros séparés par des virgules, par exemple « 92, 93, 95 ». Vide : tous."),
    )
    communes = forms.CharField(
        label=_("communes acceptées"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Une commune (ou un code postal) par ligne. Vide : toutes."),
    )

    class Meta:
        model = EligibilityRuleSet
        fields = [
            "programme",
            "session",
            "min_age",
            "max_age",
            "max_qualification_level",
            "job_seeker_required",
            "min_job_seeker_months",
            "qpv_policy",
            "easy_read_conditions",
            "comment",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = True
        self.fields["comment"].help_text = _("Pourquoi ces règles changent (visible dans l'historique).")
        instance = self.instance
        if instance.pk:
            self.initial["departements"] = ", ".join(instance.allowed_departements or [])
            self.initial["communes"] = "\n".join(instance.allowed_communes or [])
            self.initial["comment"] = ""
            for audience, weight in (instance.priority_weights or {}).items():
                self.initial[weight_field(audience)] = weight

    def clean_departements(self):
        values = [v.strip().upper() for v in re.split(r"[,;\s]+", self.cleaned_data["departements"]) if v.strip()]
        wrong = [v for v in values if not DEPARTEMENT.match(v)]
        if wrong:
            raise forms.ValidationError(
                gettext("Numéro de département inconnu : %(values)s (exemples valides : 75, 2A, 974).")
                % {"values": ", ".join(wrong)}
            )
        return list(dict.fromkeys(values))

    def clean_communes(self):
        return list(dict.fromkeys(line.strip() for line in self.cleaned_data["communes"].splitlines() if line.strip()))

    def clean(self):
        cleaned = super().clean()
        min_age, max_age = cleaned.get("min_age"), cleaned.get("max_age")
        if min_age is not None and max_age is not None and max_age < min_age:
            self.add_error("max_age", gettext("L'âge maximum doit être supérieur ou égal à l'âge minimum."))
        session, programme = cleaned.get("session"), cleaned.get("programme")
        if session is not None and programme is not None and session.programme_id != programme.pk:
            self.add_error("session", gettext("Cette session appartient à un autre programme."))
        if cleaned.get("min_job_seeker_months") and not cleaned.get("job_seeker_required"):
            self.add_error(
                "job_seeker_required",
                gettext("Cochez cette case pour exiger une durée minimale d'inscription à France Travail."),
            )
        return cleaned

    def save(self, commit=True):
        """The edited values as an unsaved rule set (save_new_version() stores it as a version)."""
        rule_set = super().save(commit=commit)
        rule_set.allowed_departements = self.cleaned_data["departements"]
        rule_set.allowed_communes = self.cleaned_data["communes"]
        rule_set.priority_weights = {
            audience.value: self.cleaned_data[weight_field(audience.value)]
            for audience in PriorityAudience
            if self.cleaned_data.get(weight_field(audience.value))
        }
        return rule_set


# One weight field per priority audience, declared so that the admin knows them.
EligibilityRuleSetForm = type("EligibilityRuleSetForm", (BaseRuleSetForm,), weight_fields())


@admin.action(description=_("Relancer la vérification des candidatures en cours de ces programmes"))
def rescreen_open_applications(modeladmin, request, queryset):
    programmes = {rule_set.programme for rule_set in queryset.select_related("programme")}
    try:
        runs = [start_rescreening(programme, actor=request.user) for programme in sorted(programmes, key=str)]
    except PermissionDenied as error:
        modeladmin.message_user(request, str(error), messages.ERROR)
        return
    for run in runs:
        url = reverse("admin:candidates_rescreeningrun_change", args=[run.pk])
        modeladmin.message_user(
            request,
            format_html(
                gettext('Vérification en lot lancée pour {programme} : <a href="{url}">suivre l\'avancement</a>.'),
                programme=run.programme,
                url=url,
            ),
            messages.SUCCESS,
        )


@admin.register(EligibilityRuleSet)
class EligibilityRuleSetAdmin(WorkflowHistoryAdmin):
    form = EligibilityRuleSetForm
    list_display = [
        "programme",
        "session",
        "version",
        "is_current",
        "min_age",
        "max_age",
        "max_qualification_level",
        "job_seeker_required",
        "qpv_policy",
        "created_by",
        "created_at",
    ]
    list_filter = ["is_current", "programme"]
    search_fields = ["programme__name", "session__name", "comment"]
    list_select_related = ["programme", "session__site", "created_by"]
    autocomplete_fields = ["session"]
    readonly_fields = ["version", "is_current", "created_by", "created_at"]
    actions = [rescreen_open_applications]

    def get_fieldsets(self, request, obj=None):
        weights = [weight_field(audience.value) for audience in PriorityAudience]
        return [
            (None, {"fields": ["programme", "session", "version", "is_current", "created_by", "created_at"]}),
            (
                _("Conditions d'accès"),
                {
                    "fields": [
                        ("min_age", "max_age"),
                        "max_qualification_level",
                        ("job_seeker_required", "min_job_seeker_months"),
                        "departements",
                        "communes",
                        "qpv_policy",
                    ]
                },
            ),
            (_("Publics prioritaires"), {"fields": weights}),
            (_("Facile à lire et à comprendre (FALC)"), {"fields": ["easy_read_conditions"]}),
            (_("Motif de la modification"), {"fields": ["comment"]}),
        ]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_municipal_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self.has_module_permission(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # versions are kept: screenings point at them

    def save_model(self, request, obj, form, change):
        # Never an UPDATE: the edited values become a new version.
        save_new_version(obj, actor=request.user)
        self.message_user(
            request,
            gettext(
                "Version %(version)s enregistrée et en vigueur. Pour l'appliquer aux candidatures en cours, "
                "utilisez l'action « Relancer la vérification » de la liste."
            )
            % {"version": obj.version},
            messages.INFO,
        )
