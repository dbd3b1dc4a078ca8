"""The adviser space's forms, and the person's (accord, code sheet). Writes go through
``services``, ``consent`` and ``attestations``; these forms only check what was typed."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from programmes.models import Session

from .. import phones
from ..models import AdviserMembership, CriterionVerification
from ..workflow import Status
from .attestations import ATTESTABLE


class PersonForm(forms.Form):
    """Find a person by email or phone, or register them (then their names are needed)."""

    email = forms.EmailField(
        label=_("Adresse e-mail de la personne"),
        required=False,
        help_text=_("Laissez vide si la personne n'en a pas : vous lui imprimerez une fiche avec un code."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Téléphone de la personne"),
        max_length=30,
        required=False,
        help_text=_("Obligatoire sans adresse e-mail, par exemple 06 12 34 56 78."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)

    def clean_phone(self):
        typed = self.cleaned_data["phone"].strip()
        if typed and phones.normalize(typed) is None:
            raise forms.ValidationError(_("Saisissez un numéro de téléphone, par exemple 06 12 34 56 78."))
        return typed

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and not self.errors:
            raise forms.ValidationError(
                _("Indiquez l'adresse e-mail ou, à défaut, le téléphone de la personne."), code="reach"
            )
        return cleaned


class StartApplicationForm(forms.Form):
    session = forms.ModelChoiceField(
        label=_("Session de formation"),
        queryset=Session.objects.none(),
        empty_label=_("Choisissez une session ouverte aux candidatures"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = (
            Session.objects.open_for_applications().select_related("programme", "site").order_by("starts_on")
        )
        self.fields["session"].label_from_instance = lambda session: (
            f"{session.name} — {session.site.commune} ({session.starts_on:%d/%m/%Y})"
        )


class AttestationForm(forms.Form):
    criteria = forms.MultipleChoiceField(
        label=_("Les critères que vous avez vérifiés"),
        choices=[(value, label) for value, label in CriterionVerification.Criterion.choices if value in ATTESTABLE],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins un critère que vous avez vérifié.")},
    )
    comment = forms.CharField(
        label=_("Comment l'avez-vous vérifié ?"),
        help_text=_("Par exemple « dossier France Travail consulté le 2 décembre »."),
        max_length=500,
        error_messages={"required": _("Indiquez comment vous l'avez vérifié.")},
    )


class InviteMemberForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail professionnelle"))
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = AdviserMembership
        fields = ["notify_status_changes", "notify_invitations", "notify_offers", "receives_weekly_digest"]


class FilterForm(forms.Form):
    """The adviser space's filters (GET): invalid values are ignored, never an error page."""

    STATES = [
        ("", _("Toutes les personnes")),
        ("pending", _("En attente de leur accord")),
        ("awaiting", _("Candidature à confirmer par la personne")),
        ("draft", _("Candidature en préparation")),
        ("nudge", _("À relancer")),
    ]
    q = forms.CharField(label=_("Nom, e-mail ou téléphone"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("Situation"), choices=STATES, required=False)
    status = forms.ChoiceField(label=_("Statut d'une candidature"), required=False, choices=())
    mine = forms.BooleanField(label=_("Seulement les personnes dont je suis référent(e)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Tous les statuts")), *Status.choices]


class AccordForm(forms.Form):
    """The person agrees to be supported and, for an account the organisation opened, claims it."""

    agree = forms.BooleanField(
        label=_("J'accepte que cette organisation m'accompagne dans mes candidatures"),
        error_messages={"required": _("Cochez la case pour donner votre accord.")},
    )
    email = forms.EmailField(
        label=_("Votre adresse e-mail (facultatif)"),
        required=False,
        help_text=_("Pour recevoir les réponses par e-mail et vous connecter seul(e) plus tard."),
    )
    password = forms.CharField(
        label=_("Choisissez un mot de passe"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 12 caractères. Il vous servira à vous connecter au portail."),
    )

    def __init__(self, *args, person, needs_password, asks_email, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.asks_email = asks_email
        self.needs_password = needs_password
        if not asks_email:
            del self.fields["email"]
        if not needs_password:
            del self.fields["password"]
        elif not asks_email:
            self.fields["password"].required = True
            self.fields["password"].error_messages["required"] = _("Choisissez un mot de passe.")

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if self.asks_email and cleaned.get("email") and not password and "password" in self.fields:
            self.add_error("password", _("Choisissez un mot de passe pour vous connecter avec cette adresse."))
        if password:
            try:
                password_validation.validate_password(password, self.person)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class CodeForm(forms.Form):
    phone = forms.CharField(
        label=_("Votre numéro de téléphone"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=_("Le code de votre fiche"),
        max_length=20,
        help_text=_("8 lettres et chiffres, par exemple K7PM-Q4XD."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )


class InvitedAccountForm(forms.Form):
    """A new adviser's account, from their invitation (the address is the invited one)."""

    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    password = forms.CharField(
        label=_("Choisissez un mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 12 caractères."),
    )

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password
