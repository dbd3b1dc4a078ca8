"""Forms of the staff decisions (one application or many): each collects what its service needs."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import INVITE_KINDS
from .workflow import RefusalReason, active_refusal_reasons


class DecisionForm(forms.Form):
    """A plain decision: an optional note kept in the history."""

    note = forms.CharField(
        label=_("Note pour l'historique (facultatif)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def service_kwargs(self):
        return {"reason": self.cleaned_data["note"]}


class InviteForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Date et heure"),
        help_text=_("Par exemple 12/10/2017 09:30."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.IntegerField(label=_("Durée (minutes)"), min_value=15, max_value=600, initial=60)
    place = forms.CharField(label=_("Lieu"), max_length=255, help_text=_("Adresse complète, étage, code d'accès…"))
    what_to_bring = forms.CharField(
        label=_("À apporter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("Une pièce d'identité et votre CV."),
    )

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        if starts_at <= timezone.now() + datetime.timedelta(hours=1):
            raise forms.ValidationError(
                _("Choisissez une date à venir : la convocation doit laisser le temps de venir.")
            )
        return starts_at

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "starts_at": data["starts_at"],
            "duration_minutes": data["duration_minutes"],
            "place": data["place"],
            "what_to_bring": data["what_to_bring"],
        }


class RefuseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motif"), choices=active_refusal_reasons)
    share_reason = forms.BooleanField(
        label=_("Communiquer le motif et le message au candidat"),
        required=False,
        help_text=_("Sinon le candidat reçoit un refus sans motif."),
    )
    message = forms.CharField(
        label=_("Message au candidat"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Laissez vide pour envoyer le message préparé pour ce motif."),
    )

    def clean(self):
        data = super().clean()
        reason = data.get("reason")
        if reason and data.get("share_reason") and not data.get("message"):
            prepared = RefusalReason(reason).prepared_message
            if not prepared:
                self.add_error("message", _("Ce motif n'a pas de message préparé : écrivez le message au candidat."))
            data["message"] = str(prepared)
        return data

    def service_kwargs(self):
        data = self.cleaned_data
        return {"reason": data["reason"], "share_reason": data["share_reason"], "message": data["message"]}


def form_class_for(transition_name):
    if transition_name in INVITE_KINDS:
        return InviteForm
    if transition_name == "refuse":
        return RefuseForm
    return DecisionForm
