"""Forms of the training-centre space. Validation mirrors the database constraints of Session and
Appointment so that a mistake is explained next to its field, never a server error."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Appointment
from candidates.workflow import active_refusal_reasons
from programmes.models import Programme, Session, TrainingSite


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


DATE_WIDGETS = {
    "starts_on": DateInput(),
    "ends_on": DateInput(),
    "applications_open_on": DateInput(),
    "applications_close_on": DateInput(),
}


class SessionDatesMixin:
    """Dates in order, explained on the field that is wrong (the check constraints' twin)."""

    def clean(self):
        cleaned = super().clean()
        pairs = (
            ("starts_on", "ends_on", _("La fin doit être le même jour que le début ou après.")),
            (
                "applications_open_on",
                "applications_close_on",
                _("La clôture des candidatures doit être le jour de l'ouverture ou après."),
            ),
        )
        for first, last, message in pairs:
            if cleaned.get(first) and cleaned.get(last) and cleaned[last] < cleaned[first]:
                self.add_error(last, message)
        return cleaned


class SessionEditForm(SessionDatesMixin, forms.ModelForm):
    """Capacity, dates and application window: what the centre keeps up to date. Saved through
    programmes.services.update_session (the seat lock), never with form.save()."""

    class Meta:
        model = Session
        fields = ["capacity", "starts_on", "ends_on", "applications_open_on", "applications_close_on"]
        widgets = DATE_WIDGETS

    def changes(self):
        return {field: self.cleaned_data[field] for field in self.Meta.fields}


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, site):
        return f"{site.name} — {site.commune} ({site.provider.name})"


class SessionCreateForm(SessionDatesMixin, forms.ModelForm):
    """A new session on one of the structure's own sites."""

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
        self.fields["programme"].queryset = Programme.objects.published()


class InviteForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Convocation"),
        choices=[(Appointment.Kind.TEST, _("Tests")), (Appointment.Kind.INTERVIEW, _("Entretien"))],
    )
    starts_at = forms.DateTimeField(label=_("Date et heure"), widget=DateTimeInput())
    duration_minutes = forms.IntegerField(label=_("Durée (minutes)"), min_value=15, max_value=600, initial=60)
    place = forms.CharField(label=_("Lieu"), max_length=255)
    what_to_bring = forms.CharField(
        label=_("À apporter"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        if starts_at <= timezone.now():
            raise forms.ValidationError(_("Choisissez une date à venir."))
        return starts_at


class RefuseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motif"), choices=active_refusal_reasons)
    share_reason = forms.BooleanField(label=_("Communiquer le motif au candidat"), required=False, initial=True)
    message = forms.CharField(
        label=_("Message au candidat"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class OutcomeForm(forms.ModelForm):
    """The result of a test or an interview: outcome, score and comment, with who and when."""

    class Meta:
        model = Appointment
        fields = ["outcome", "score", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"score": _("Facultative, de 0 à 100 (par exemple sur 20).")}

    def clean_score(self):
        score = self.cleaned_data["score"]
        if score is not None and not 0 <= score <= 100:
            raise forms.ValidationError(_("La note doit être comprise entre 0 et 100."))
        return score

    def save(self, *, actor):
        appointment = super().save(commit=False)
        appointment.recorded_by = actor
        appointment.recorded_at = timezone.now()
        appointment.save(update_fields=["outcome", "score", "comment", "recorded_by", "recorded_at"])
        return appointment
