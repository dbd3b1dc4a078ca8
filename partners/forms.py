from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from programmes.models import Session, Track

from .models import Commitment, Interest, Opportunity


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SessionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, session):
        return f"{session.name} — {session.site.provider.name}, {session.site.commune} ({session.starts_on:%d/%m/%Y})"


class CommitmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, commitment):
        return f"{commitment.signature.company.name} — {commitment.label}"


class OpportunityForm(forms.ModelForm):
    """A partner publishes (or edits) an opportunity for some sessions or tracks of its choice."""

    sessions = SessionChoiceField(
        label=_("Sessions concernées"),
        queryset=Session.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Les apprenants admis ou inscrits dans ces sessions verront l'opportunité."),
    )
    tracks = forms.MultipleChoiceField(
        label=_("Ou tous les apprenants de ces métiers"),
        choices=Track.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    commitment = CommitmentChoiceField(
        label=_("Engagement de la charte concerné"),
        queryset=Commitment.objects.none(),
        required=False,
        empty_label=_("Aucun"),
        help_text=_("Les personnes retenues compteront comme réalisées pour cet engagement."),
    )

    class Meta:
        model = Opportunity
        fields = [
            "company",
            "kind",
            "title",
            "description",
            "starts_on",
            "ends_on",
            "places",
            "location",
            "apply_by",
            "sessions",
            "tracks",
            "commitment",
            "is_published",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "apply_by": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        companies = list(companies)
        self.companies = companies
        if len(companies) == 1:
            del self.fields["company"]
            self.instance.company = companies[0]
        else:
            self.fields["company"].queryset = self.fields["company"].queryset.filter(pk__in=[c.pk for c in companies])
        today = timezone.localdate()
        self.fields["sessions"].queryset = (
            Session.objects.published()
            .filter(ends_on__gte=today)
            .select_related("site__provider")
            .order_by("starts_on")
        )
        self.fields["commitment"].queryset = Commitment.objects.filter(
            signature__company__in=[c.pk for c in companies]
        ).select_related("signature__company", "signature__charter")
        if self.instance.pk:
            self.initial.setdefault("tracks", self.instance.tracks)
        self.fields["is_published"].help_text = _("Décochez pour retirer l'opportunité de la vue des apprenants.")
        self.fields["apply_by"].help_text = _("Après cette date, les apprenants ne peuvent plus se manifester.")

    def clean(self):
        data = super().clean()
        company = data.get("company") or getattr(self.instance, "company", None)
        starts_on, ends_on, apply_by = data.get("starts_on"), data.get("ends_on"), data.get("apply_by")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("La fin doit être le jour du début ou après."))
        if starts_on and apply_by and apply_by > starts_on:
            self.add_error("apply_by", _("La date limite doit précéder le début de l'opportunité."))
        if apply_by and not self.instance.pk and apply_by < timezone.localdate():
            self.add_error("apply_by", _("La date limite est déjà passée."))
        if "sessions" in data and "tracks" in data and not data["sessions"] and not data["tracks"]:
            self.add_error("sessions", _("Choisissez au moins une session ou un métier."))
        commitment = data.get("commitment")
        if commitment is not None:
            if company is not None and commitment.signature.company_id != company.pk:
                self.add_error("commitment", _("Cet engagement n'est pas celui de cette entreprise."))
            elif data.get("kind") and commitment.kind != data["kind"]:
                self.add_error(
                    "commitment",
                    _("Cet engagement porte sur « %(kind)s » : choisissez le même type d'opportunité.")
                    % {"kind": commitment.get_kind_display()},
                )
            elif starts_on and not _within(starts_on, commitment.period_start, commitment.period_end):
                self.add_error("starts_on", _period_error(commitment))
        return data


def _within(day, start, end):
    return (start is None or start <= day) and (end is None or day <= end)


def _period_error(commitment):
    """An opportunity counts towards a commitment when it starts within the commitment's period."""
    start, end = commitment.period_start, commitment.period_end
    dates = {"start": date_format(start) if start else "", "end": date_format(end) if end else ""}
    if start and end:
        message = _("L'engagement choisi court du %(start)s au %(end)s : l'opportunité doit commencer entre ces dates.")
    elif start:
        message = _(
            "L'engagement choisi court à partir du %(start)s : l'opportunité doit commencer ce jour-là ou après."
        )
    else:
        message = _("L'engagement choisi court jusqu'au %(end)s : l'opportunité doit commencer ce jour-là ou avant.")
    return message % dates


class InterestForm(forms.ModelForm):
    """One click to say « I'm interested », with an optional message and what to share."""

    class Meta:
        model = Interest
        fields = ["message", "share_name", "share_email", "share_phone"]
        widgets = {"message": forms.Textarea(attrs={"rows": 3})}
        labels = {"message": _("Message à l'entreprise (facultatif)")}
        help_texts = {
            "share_name": _("L'entreprise ne voit que ce que vous cochez ici, votre session et votre message."),
        }
