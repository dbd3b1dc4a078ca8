"""The forms of the staff decisions, one set for the admin (one application or many) and the
training centre's pages: each collects what its service needs (``service_kwargs()``), under one
rule set.

- An invitation is at least one hour ahead: the candidate needs time to come, and a date in the
  past is certainly a typing mistake.
- A refusal shares its reason with the candidate by default: candidates of a public service are
  owed an explained decision (staff may still untick it); a shared reason without a message sends
  the message prepared for that reason.
- An outcome (test or interview) is recorded by ``candidates.services.record_outcome``.
"""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.forms import ServiceModelForm

from .models import Appointment
from .services import INVITE_KINDS, outcome_too_early
from .workflow import RefusalReason, active_refusal_reasons

# How long ahead an invitation must be.
INVITATION_NOTICE = datetime.timedelta(hours=1)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DecisionForm(forms.Form):
    """A plain decision: an optional note kept in the history."""

    note = forms.CharField(
        label=_("Note pour l'historique (facultatif)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def service_kwargs(self):
        return {"reason": self.cleaned_data["note"]}


class InviteForm(forms.Form):
    """An invitation to tests or an interview. The admin's pages know the kind from the decision
    (``kind`` given): the field is then left out."""

    kind = forms.ChoiceField(
        label=_("Convocation"),
        choices=[(Appointment.Kind.TEST, _("Tests")), (Appointment.Kind.INTERVIEW, _("Entretien"))],
    )
    starts_at = forms.DateTimeField(
        label=_("Date et heure"),
        help_text=_("Jour et heure du rendez-vous, au moins une heure à l'avance."),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.IntegerField(label=_("Durée (minutes)"), min_value=15, max_value=600, initial=60)
    place = forms.CharField(
        label=_("Lieu"),
        max_length=255,
        help_text=_("Adresse complète, étage, code d'accès…"),
        widget=forms.TextInput(attrs={"class": "vTextField"}),  # the admin's wide field: a full address
    )
    what_to_bring = forms.CharField(
        label=_("À apporter"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("Une pièce d'identité et votre CV."),
    )

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind is not None:
            del self.fields["kind"]

    @staticmethod
    def initial_for(application):
        """The session's full address: what the candidate needs to find the place."""
        site = application.session.site
        return {"place": f"{site.name}, {site.address}, {site.postcode} {site.commune}"}

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        now = timezone.now()
        if starts_at <= now:
            raise forms.ValidationError(_("Choisissez une date à venir."))
        if starts_at < now + INVITATION_NOTICE:
            raise forms.ValidationError(
                _("Choisissez une heure au moins une heure à l'avance : la convocation doit laisser le temps de venir.")
            )
        return starts_at

    def decision_name(self):
        """The transition this invitation is: to tests or to an interview."""
        kind = self.kind or self.cleaned_data["kind"]
        return next(name for name, invite_kind in INVITE_KINDS.items() if invite_kind == kind)

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
        initial=True,
        help_text=_("Sinon le candidat reçoit un refus sans motif."),
    )
    message = forms.CharField(
        label=_("Message au candidat"),
        required=False,
        max_length=2000,
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


class OutcomeForm(ServiceModelForm):
    """The result of a test or an interview: outcome, score and comment. Recorded (with who and
    when) by ``candidates.services.record_outcome``."""

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

    def clean_outcome(self):
        outcome = self.cleaned_data["outcome"]
        if outcome == Appointment.Outcome.PENDING and self.has_changed() and "outcome" not in self.changed_data:
            # Only the score or the comment changed on a test not graded yet: a result is missing.
            raise forms.ValidationError(_("Choisissez le résultat : réussi, non réussi ou absent."))
        if outcome != Appointment.Outcome.PENDING and self.instance.starts_at > timezone.now():
            raise forms.ValidationError(outcome_too_early(self.instance))
        return outcome

    def service_kwargs(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


def form_class_for(transition_name):
    """The form of a decision, by its transition's name."""
    if transition_name in INVITE_KINDS:
        return InviteForm
    if transition_name == "refuse":
        return RefuseForm
    return DecisionForm


def decision_form(transition_name, *args, **kwargs):
    """The form of a decision, built (an invitation's kind comes from the transition)."""
    form_class = form_class_for(transition_name)
    if form_class is InviteForm:
        kwargs["kind"] = INVITE_KINDS[transition_name]
    return form_class(*args, **kwargs)
