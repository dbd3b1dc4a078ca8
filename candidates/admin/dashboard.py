"""The programme dashboard, an admin page linked from the admin index."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programmes.models import Programme, Session, TrainingProvider

from .. import dashboard


class DashboardFilterForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Programme"), queryset=Programme.objects.all(), required=False
    )
    season = forms.ChoiceField(label=gettext_lazy("Saison"), required=False)
    provider = forms.ModelChoiceField(
        label=gettext_lazy("Structure"), queryset=TrainingProvider.objects.all(), required=False
    )
    session = forms.ModelChoiceField(
        label=gettext_lazy("Session"),
        queryset=Session.objects.select_related("site").order_by("-starts_on", "name"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        seasons = Programme.objects.exclude(season="").values_list("season", flat=True).distinct().order_by("season")
        self.fields["season"].choices = [("", "---------"), *((season, season) for season in seasons)]
        # The session list follows the chosen programme, season and structure: one does not have
        # to find a Pantin session among every programme's (walk-through row 14).
        sessions = self.fields["session"].queryset
        narrowing = {"programme": "programme", "season": "programme__season", "provider": "site__provider"}
        for name, lookup in narrowing.items():
            value = self.data.get(name)
            if value and (name == "season" or str(value).isdigit()):
                sessions = sessions.filter(**{lookup: value})
        self.fields["session"].queryset = sessions

    def filters(self):
        if not self.is_valid():
            return {}
        return {name: getattr(value, "pk", value) for name, value in self.cleaned_data.items() if value}


def dashboard_view(model_admin, request):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    form = DashboardFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    result = dashboard.figures(filters)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Tableau de bord des programmes"),
        "form": form,
        "chart_data": dashboard.chart_data(result),
        # The partners' figures are added by the template (partners_tags), from above this app.
        "selected_programme": filters.get("programme"),
        **result,
    }
    return TemplateResponse(request, "admin/programme_dashboard.html", context)
