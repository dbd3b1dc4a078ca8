"""The session forms of the training-centre space (the decision forms are shared with the admin:
candidates.decision_forms). Validation mirrors the database constraints of Session so that a
mistake is explained next to its field, never a server error. They collect; the seat service
(candidates.seats) saves."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import ServiceModelForm
from programmes.models import Session, TrainingSite

from .. import seats
from ..session_forms import DATE_WIDGETS, SessionDatesMixin


class SessionEditForm(SessionDatesMixin, ServiceModelForm):
    """Capacity, dates and application window: what the centre keeps up to date. Saved through
    candidates.seats.update_session (the seat lock), never with form.save()."""

    class Meta:
        model = Session
        fields = ["capacity", "starts_on", "ends_on", "applications_open_on", "applications_close_on"]
        widgets = DATE_WIDGETS

    def changes(self):
        return {field: self.cleaned_data[field] for field in self.Meta.fields}


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, site):
        return f"{site.name} — {site.commune} ({site.provider.name})"


class SessionCreateForm(SessionDatesMixin, ServiceModelForm):
    """A new session on one of the structure's own sites (saved by candidates.seats.create_session)."""

    site = SiteChoiceField(label=_("Lieu de formation"), queryset=TrainingSite.objects.none())

    class Meta:
        model = Session
        fields = [
            "programme",
            "site",
            "name",
            "track",
            "rhythm",
            "delivery",
            "learner_status",
            "starts_on",
            "ends_on",
            "hours_per_week",
            "applications_open_on",
            "applications_close_on",
            "capacity",
            "description",
            "certification",
        ]
        widgets = {**DATE_WIDGETS, "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = TrainingSite.objects.filter(provider__memberships__user=user).select_related(
            "provider"
        )
        # Only the programmes the user's structures belong to (Programme.training_providers).
        self.fields["programme"].queryset = seats.programmes_open_to(user)
        self.fields["programme"].help_text = _(
            "Les programmes dont votre structure fait partie. Pour en ajouter un, adressez-vous à la Ville."
        )

    def clean(self):
        cleaned = super().clean()
        programme, site = cleaned.get("programme"), cleaned.get("site")
        if programme and site and not programme.training_providers.filter(pk=site.provider_id).exists():
            self.add_error(
                "programme",
                _("La structure de ce lieu (%(provider)s) ne fait pas partie de ce programme.")
                % {"provider": site.provider.name},
            )
        return cleaned
