"""The forms of a trainee's follow-up: the short questionnaire emailed to the trainee, and the
training centre's record (the same questions, plus the leaving date and the situation at entry).
Both are written by candidates.follow_up."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Situation, TraineeFollowUp

YES_NO = [("yes", _("Oui")), ("no", _("Non"))]

# The situations in the trainee's own words.
SITUATION_CHOICES = [
    (Situation.EMPLOYED, _("J'ai un emploi (CDI, CDD, intérim, contrat en alternance)")),
    (Situation.SELF_EMPLOYED, _("Je travaille à mon compte (indépendant, auto-entrepreneur)")),
    (Situation.IN_TRAINING, _("Je suis en formation ou en études")),
    (Situation.JOB_SEEKING, _("Je cherche un emploi")),
    (Situation.INACTIVE, _("Je ne travaille pas et je ne cherche pas d'emploi pour l'instant")),
]
QUALIFICATION_CHOICES = [
    (TraineeFollowUp.Qualification.OBTAINED, _("Oui, je l'ai obtenu")),
    (TraineeFollowUp.Qualification.NOT_OBTAINED, _("Non, je ne l'ai pas obtenu")),
    (TraineeFollowUp.Qualification.PENDING, _("Je ne connais pas encore le résultat")),
    (TraineeFollowUp.Qualification.NONE_AIMED, _("La formation ne préparait pas à un diplôme")),
]


class ExitSurveyForm(forms.Form):
    completed = forms.ChoiceField(
        label=_("Avez-vous suivi la formation jusqu'au bout ?"), choices=YES_NO, widget=forms.RadioSelect
    )
    qualification = forms.ChoiceField(
        label=_("Avez-vous obtenu le diplôme ou le titre de la formation ?"),
        choices=QUALIFICATION_CHOICES,
        widget=forms.RadioSelect,
    )
    situation = forms.ChoiceField(
        label=_("Aujourd'hui, que faites-vous ?"), choices=SITUATION_CHOICES, widget=forms.RadioSelect
    )

    def answers(self):
        data = self.cleaned_data
        return {
            "completed": data["completed"] == "yes",
            "qualification": data["qualification"],
            "situation": data["situation"],
        }


class SixMonthSurveyForm(forms.Form):
    situation = forms.ChoiceField(
        label=_("Aujourd'hui, que faites-vous ?"), choices=SITUATION_CHOICES, widget=forms.RadioSelect
    )

    def answers(self):
        return {"situation": self.cleaned_data["situation"]}


class CentreFollowUpForm(forms.Form):
    """What the training centre records: everything the ESF asks about one trainee."""

    entry_situation = forms.ChoiceField(
        label=_("Situation à l'entrée en formation"),
        choices=[("", "---------"), *Situation.choices],
        required=False,
        help_text=_("Remplie d'après l'inscription à France Travail ; à compléter sinon."),
    )
    completed = forms.TypedChoiceField(
        label=_("Formation suivie jusqu'au bout"),
        choices=[("", _("Pas encore renseigné")), *YES_NO],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    left_on = forms.DateField(
        label=_("Date de sortie"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Si le stagiaire est parti avant la fin de la session."),
    )
    qualification = forms.ChoiceField(
        label=_("Certification"), choices=[("", "---------"), *TraineeFollowUp.Qualification.choices], required=False
    )
    exit_situation = forms.ChoiceField(
        label=_("Situation à la sortie"), choices=[("", "---------"), *Situation.choices], required=False
    )
    six_month_situation = forms.ChoiceField(
        label=_("Situation six mois après la sortie"), choices=[("", "---------"), *Situation.choices], required=False
    )

    def __init__(self, *args, follow_up, **kwargs):
        self.follow_up = follow_up
        initial = {
            "entry_situation": follow_up.entry_situation,
            "completed": {True: "yes", False: "no"}.get(follow_up.completed, ""),
            "left_on": follow_up.left_on,
            "qualification": follow_up.qualification,
            "exit_situation": follow_up.exit_situation,
            "six_month_situation": follow_up.six_month_situation,
        }
        super().__init__(*args, initial=initial, **kwargs)

    def clean(self):
        cleaned = super().clean()
        left_on = cleaned.get("left_on")
        if left_on is not None and left_on < self.follow_up.entered_on:
            self.add_error("left_on", _("La sortie ne peut pas précéder l'entrée en formation."))
        exit_given = cleaned.get("completed") is not None or cleaned.get("exit_situation")
        if exit_given and (cleaned.get("completed") is None or not cleaned.get("exit_situation")):
            self.add_error(
                "exit_situation" if cleaned.get("completed") is not None else "completed",
                _("Pour la sortie, indiquez à la fois si la formation a été suivie jusqu'au bout et la situation."),
            )
        return cleaned
