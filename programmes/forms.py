"""The public "Am I eligible?" questions, asked before any account.

Only the questions the session's rules need are asked; the answers go through the same rules
engine as the screening task (programmes.eligibility), so both always agree."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import eligibility
from .models import QualificationLevel

YES_NO_UNKNOWN = [("true", _("Oui")), ("false", _("Non")), ("unknown", _("Je ne sais pas"))]
YES_NO = [("true", _("Oui")), ("false", _("Non"))]


class YesNoRadio(forms.RadioSelect):
    """Radio buttons for a nullable boolean, with the values NullBooleanField reads ("true",
    "false", "unknown"), so that a saved True/False/None shows as checked."""

    def format_value(self, value):
        mapping = {True: "true", False: "false", "True": "true", "False": "false", "true": "true", "false": "false"}
        return [mapping.get(value, "unknown")]


def validate_birth_date(birth_date):
    """Every form that asks a birth date: not in the future, and a plausible age today (the
    engine's bounds, eligibility.MIN_PLAUSIBLE_AGE and MAX_PLAUSIBLE_AGE)."""
    today = timezone.localdate()
    if birth_date > today:
        raise forms.ValidationError(_("La date de naissance ne peut pas être dans le futur."))
    if not eligibility.plausible_birth_date(birth_date, today):
        raise forms.ValidationError(
            _("Vérifiez votre date de naissance : elle doit correspondre à un âge entre %(min)s et %(max)s ans.")
            % {"min": eligibility.MIN_PLAUSIBLE_AGE, "max": eligibility.MAX_PLAUSIBLE_AGE}
        )


class EligibilityCheckForm(forms.Form):
    birth_date = forms.DateField(
        label=_("Votre date de naissance"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    qualification_level = forms.TypedChoiceField(
        label=_("Votre diplôme le plus élevé"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Choisissez"))] + list(QualificationLevel.choices),
    )
    is_job_seeker = forms.NullBooleanField(
        label=_("Êtes-vous inscrit(e) à France Travail (ex-Pôle emploi) ?"),
        required=False,
        widget=YesNoRadio(choices=YES_NO_UNKNOWN),
    )
    job_seeker_since = forms.DateField(
        label=_("Inscrit(e) depuis le"),
        required=False,
        help_text=_("Laissez vide si vous ne savez pas."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    postcode = forms.RegexField(
        label=_("Votre code postal"),
        regex=r"^[0-9]{5}$",
        required=False,
        error_messages={"invalid": _("Saisissez un code postal à 5 chiffres, par exemple 93500.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    commune = forms.CharField(
        label=_("Votre commune"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    lives_in_qpv = forms.NullBooleanField(
        label=_("Habitez-vous dans un quartier prioritaire (QPV) ?"),
        required=False,
        help_text=_(
            "Un quartier prioritaire est un quartier où les revenus des habitants sont faibles et où l'État "
            "et la commune mènent des actions renforcées. Si vous ne savez pas, répondez « Je ne sais pas »."
        ),
        widget=YesNoRadio(choices=YES_NO_UNKNOWN),
    )

    QUESTIONS_BY_RULE = {
        "age": ("birth_date",),
        "qualification": ("qualification_level",),
        "job_seeker": ("is_job_seeker", "job_seeker_since"),
        "residence": ("postcode", "commune"),
        "qpv": ("lives_in_qpv",),
    }

    def __init__(self, *args, rules, **kwargs):
        super().__init__(*args, **kwargs)
        self.rules = rules
        wanted = set()
        for code in self.applicable_rules(rules):
            wanted.update(self.QUESTIONS_BY_RULE[code])
        if not rules.min_job_seeker_months:
            wanted.discard("job_seeker_since")
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]

    @staticmethod
    def applicable_rules(rules):
        codes = []
        if rules.min_age is not None or rules.max_age is not None:
            codes.append("age")
        if rules.max_qualification_level is not None:
            codes.append("qualification")
        if rules.job_seeker_required or rules.min_job_seeker_months:
            codes.append("job_seeker")
        if rules.allowed_departements or rules.allowed_communes:
            codes.append("residence")
        if rules.qpv_policy == eligibility.QPV_REQUIRED:
            codes.append("qpv")
        return codes

    def clean_birth_date(self):
        birth_date = self.cleaned_data.get("birth_date")
        if birth_date:
            validate_birth_date(birth_date)
        return birth_date

    def answers(self):
        return eligibility.Answers(**{name: self.cleaned_data.get(name) for name in self.fields})

    def initial_answers(self):
        """The answers the form is filled with (a candidate's profile), when they answer every
        question that decides (a rule's first question: the date of registration at France
        Travail and the commune may stay blank); else None. The same answers as sending the
        filled form: only the questions asked."""
        if not (self.initial and self.fields):
            return None  # no profile, or nothing to ask
        deciding = (self.QUESTIONS_BY_RULE[code][0] for code in self.applicable_rules(self.rules))
        if any(self.initial.get(name) in (None, "") for name in deciding):
            return None
        return eligibility.Answers(**{name: self.initial.get(name) for name in self.fields})


# The answers of an anonymous « Suis-je éligible ? », kept server-side in the visitor's session (never in
# a URL) so that the sign-up can carry them into the new profile (candidates.forms.SignupForm).
CHECK_ANSWERS_SESSION_KEY = "eligibility_check_answers"


def remember_check_answers(request, answers):
    kept = {
        name: value for name, value in answers.to_dict().items() if name != "verifications" and value not in (None, "")
    }
    request.session[CHECK_ANSWERS_SESSION_KEY] = {**request.session.get(CHECK_ANSWERS_SESSION_KEY, {}), **kept}
