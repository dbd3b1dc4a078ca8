"""Candidates' forms: sign-up (consent), profile, application steps, account deletion.

Every error message is in plain French and attached to its field, so that crispy-forms ties it to
the input (``aria-describedby``) and the page keeps what was typed."""

import datetime

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.models import EmailAddress
from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.conf import settings
from django.db import transaction
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.templatetags.portal_format import long_date
from programmes.eligibility import Answers
from programmes.forms import CHECK_ANSWERS_SESSION_KEY, YES_NO, YES_NO_UNKNOWN, YesNoRadio, validate_birth_date

from . import phones
from .documents import check_upload
from .models import ApplicationDocument, ApplicationMessage, Appointment, CandidateProfile

QPV_LOOKUP_URL = "https://sig.ville.gouv.fr/"
MIN_MOTIVATION_LENGTH = 30


def _privacy_label():
    return format_html(
        '{} <a href="{}">{}</a>',
        _("J'ai lu et j'accepte"),
        reverse_lazy("candidates:privacy"),
        _("la politique de confidentialité du portail"),
    )


class SignupForm(AllauthSignupForm):
    """django-allauth's sign-up form plus the consent to the privacy notice, recorded with its date
    on the candidate profile created in the same transaction as the account."""

    privacy_consent = forms.BooleanField(
        required=True,
        error_messages={
            "required": _("Pour créer un compte, vous devez accepter la politique de confidentialité."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Adresse e-mail")
        self.fields["email"].help_text = _(
            "Vous y recevrez un lien pour activer votre compte, puis les nouvelles de vos candidatures."
        )
        self.fields["password2"].label = _("Mot de passe (confirmation)")
        # Built per request so that the link and the words follow the active language.
        self.fields["privacy_consent"].label = _privacy_label()
        self.order_fields(["email", "password1", "password2", "privacy_consent"])

    def save(self, request):
        with transaction.atomic():
            user = super().save(request)
            CandidateProfile.objects.create(
                user=user, privacy_consent_at=timezone.now(), **answers_from_eligibility_check(request)
            )
        return user


def answers_from_eligibility_check(request):
    """What the visitor answered in « Suis-je éligible ? » before signing up, as profile fields:
    they need not type it twice (the profile step shows it for checking)."""
    stored = request.session.pop(CHECK_ANSWERS_SESSION_KEY, None) if request is not None else None
    if not isinstance(stored, dict):
        return {}
    answers = Answers.from_dict(stored)
    fields = {name: getattr(answers, name) for name in stored if name in Answers.FIELDS}
    if fields.get("is_job_seeker") is not True:
        fields.pop("job_seeker_since", None)
    return {name: value for name, value in fields.items() if value not in (None, "")}


class FederatedSignupForm(AllauthSocialSignupForm):
    """Signing up with FranceConnect: the email it gave (changeable, to be confirmed) and the
    consent to the privacy notice; the profile is created with the account, then filled from
    FranceConnect's identity (candidates.identity)."""

    privacy_consent = SignupForm.base_fields["privacy_consent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Adresse e-mail")
        self.fields["email"].help_text = _(
            "Vous y recevrez un lien pour activer votre compte, puis les nouvelles de vos candidatures."
        )
        self.fields["privacy_consent"].label = _privacy_label()
        # The address FranceConnect gave already has an account: say at once how to link it.
        email = self.initial.get("email") or ""
        self.email_has_an_account = bool(email) and EmailAddress.objects.filter(email__iexact=email).exists()

    def save(self, request):
        with transaction.atomic():
            user = super().save(request)
            CandidateProfile.objects.get_or_create(user=user, defaults={"privacy_consent_at": timezone.now()})
        return user


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Adresse e-mail")
        self.fields["remember"].label = _("Rester connecté(e) sur cet appareil")


class ResetPasswordForm(AllauthResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Adresse e-mail")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AnswerRadio(forms.RadioSelect):
    """Radio buttons for a stored answer: True/False show as "true"/"false", an explicit choice
    such as "undisclosed" as itself, and no answer yet as nothing checked (never a pre-checked
    default the person did not choose)."""

    def format_value(self, value):
        mapping = {True: "true", False: "false", "True": "true", "False": "false"}
        value = mapping.get(value, value)
        return [value] if value not in (None, "") else []


def _yes_no(value):
    return {"true": True, "false": False}[value]


class YesNoField(forms.TypedChoiceField):
    """A required yes/no answer kept in a nullable boolean (None: never answered). Django's
    NullBooleanField ignores ``required``: a blank group would be saved as « non renseigné »."""

    def __init__(self, *, label, help_text="", required_message=None):
        super().__init__(
            label=label,
            help_text=help_text,
            choices=YES_NO,
            coerce=_yes_no,
            empty_value=None,
            widget=AnswerRadio,
            error_messages={"required": required_message or _("Répondez par oui ou par non.")},
        )


RQTH_UNDISCLOSED = "undisclosed"


# What FranceConnect vouches for, read-only once verified.
VERIFIED_IDENTITY_FIELDS = ("first_name", "last_name", "birth_date", "gender")


class ProfileForm(forms.ModelForm):
    """All the candidate's fields, in the words candidates use; also the user's names.

    Which answers are required, and why (the privacy notice says the same):
    - France Travail registration: an eligibility condition of some programmes; yes or no.
    - RSA: a priority audience of the programmes; yes or no.
    - RQTH: a priority audience too, but health-related data (GDPR art. 9): an answer is asked so
      that nothing is left blank by mistake, and « Je préfère ne pas répondre » is one of them
      (no priority is then counted, and nothing needs checking).
    - QPV: « Je ne sais pas » is an answer; staff check it when a programme requires it."""

    is_job_seeker = YesNoField(label=_("Êtes-vous inscrit(e) à France Travail (ex-Pôle emploi) ?"))
    receives_rsa = YesNoField(
        label=_("Percevez-vous le RSA (revenu de solidarité active) ?"),
        help_text=_("Les allocataires du RSA sont prioritaires dans les programmes."),
    )
    has_rqth = forms.ChoiceField(
        label=_("Avez-vous une RQTH (reconnaissance de la qualité de travailleur handicapé) ?"),
        help_text=_(
            "Les personnes qui ont une RQTH sont prioritaires. C'est une donnée de santé : vous pouvez "
            "choisir de ne pas répondre, votre candidature sera étudiée de la même façon, sans cette priorité."
        ),
        choices=[("true", _("Oui")), ("false", _("Non")), (RQTH_UNDISCLOSED, _("Je préfère ne pas répondre"))],
        widget=AnswerRadio,
        error_messages={"required": _("Choisissez une réponse (« Je préfère ne pas répondre » en est une).")},
    )

    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=30,
        required=False,
        help_text=_("Facultatif. Pour que le centre de formation puisse vous appeler."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    class Meta:
        model = CandidateProfile
        # Every answer the rules engine reads, in its order, then how to reach the candidate.
        fields = [*Answers.FIELDS, "phone"]
        widgets = {
            "birth_date": DateInput(attrs={"autocomplete": "bday"}),
            "job_seeker_since": DateInput(),
            "gender": forms.RadioSelect,
            "lives_in_qpv": YesNoRadio(choices=YES_NO_UNKNOWN),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
            "commune": forms.TextInput(attrs={"autocomplete": "address-level2"}),
        }
        labels = {
            "birth_date": _("Date de naissance"),
            "gender": _("Vous êtes"),
            "postcode": _("Code postal"),
            "commune": _("Commune"),
            "lives_in_qpv": _("Habitez-vous dans un quartier prioritaire (QPV) ?"),
            "job_seeker_since": _("Depuis quand ?"),
            "qualification_level": _("Votre diplôme le plus élevé"),
        }
        help_texts = {
            "birth_date": _("Par exemple 17/05/1998."),
            "postcode": _("5 chiffres, par exemple 93500."),
            "job_seeker_since": _("La date de votre inscription. Laissez vide si vous ne la connaissez pas."),
            "qualification_level": _("Choisissez le diplôme le plus haut que vous avez obtenu, en France ou ailleurs."),
        }

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["first_name"].initial = user.first_name
        self.fields["last_name"].initial = user.last_name
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        # Names first, the rest in the Meta order.
        self.order_fields(["first_name", "last_name"])
        self.fields["birth_date"].required = True
        if self.instance.identity_is_verified:
            # As FranceConnect vouched for them: shown, not editable (a disabled field ignores what is posted).
            for name in VERIFIED_IDENTITY_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Vérifié par FranceConnect : ne peut pas être modifié ici.")
        self.fields["postcode"].required = True
        self.fields["commune"].required = True
        self.fields["qualification_level"].required = True
        self.fields["qualification_level"].choices = [("", _("Choisissez"))] + [
            choice for choice in self.fields["qualification_level"].choices if choice[0] != ""
        ]
        self.fields["gender"].choices = [c for c in self.fields["gender"].choices if c[0] != ""]
        self.fields["gender"].help_text = CandidateProfile._meta.get_field("gender").help_text
        if self.instance.has_rqth is None and self.instance.rqth_undisclosed:
            self.initial["has_rqth"] = RQTH_UNDISCLOSED
        self.fields["lives_in_qpv"].help_text = format_html(
            '{} {} <a href="{}" rel="noopener">{}</a>.',
            _(
                "Un quartier prioritaire de la politique de la ville (QPV) est un quartier où les revenus "
                "des habitants sont faibles et où l'État et la commune mènent des actions renforcées."
            ),
            _("Pour savoir si votre adresse en fait partie, saisissez-la dans"),
            QPV_LOOKUP_URL,
            _("l'outil officiel de recherche d'adresse du ministère de la Ville (sig.ville.gouv.fr)"),
        )

    def clean_phone(self):
        typed = self.cleaned_data["phone"].strip()
        if not typed:
            return ""
        phone = phones.normalize(typed)
        if phone is None:
            raise forms.ValidationError(_("Saisissez un numéro de téléphone, par exemple 06 12 34 56 78."))
        return phone

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        validate_birth_date(birth_date)
        return birth_date

    def clean_job_seeker_since(self):
        since = self.cleaned_data.get("job_seeker_since")
        if since and since > timezone.localdate():
            raise forms.ValidationError(_("La date d'inscription ne peut pas être dans le futur."))
        if since and since < datetime.date(1950, 1, 1):
            raise forms.ValidationError(_("Vérifiez la date d'inscription."))
        return since

    def clean_has_rqth(self):
        answer = self.cleaned_data["has_rqth"]
        self.rqth_undisclosed = answer == RQTH_UNDISCLOSED
        return None if self.rqth_undisclosed else _yes_no(answer)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_job_seeker") is False:
            # The database refuses a registration date without a registration.
            cleaned["job_seeker_since"] = None
        return cleaned

    def save(self, commit=True):
        profile = super().save(commit=False)
        profile.rqth_undisclosed = self.rqth_undisclosed
        self.user.first_name = self.cleaned_data["first_name"]
        self.user.last_name = self.cleaned_data["last_name"]
        if commit:
            with transaction.atomic():
                self.user.save(update_fields=["first_name", "last_name"])
                profile.save()
        return profile


class MotivationForm(forms.Form):
    motivation = forms.CharField(
        label=_("Pourquoi voulez-vous suivre cette formation ?"),
        help_text=_(
            "Quelques phrases suffisent : ce qui vous attire dans ce métier, ce que vous avez déjà fait "
            "(même seul ou en dehors d'un travail), ce que vous attendez de la formation."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=5000,
        error_messages={"required": _("Écrivez quelques phrases sur votre motivation.")},
    )

    def clean_motivation(self):
        text = self.cleaned_data["motivation"].strip()
        if len(text) < MIN_MOTIVATION_LENGTH:
            raise forms.ValidationError(
                _("Écrivez au moins %(min)s caractères : quelques phrases suffisent.") % {"min": MIN_MOTIVATION_LENGTH}
            )
        return text


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de document"), choices=ApplicationDocument.Kind.choices)
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_("PDF, JPEG ou PNG, 5 Mo au maximum. Une photo nette prise avec votre téléphone convient."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
        error_messages={
            "required": _("Choisissez un fichier."),
            "empty": _("Le fichier est vide."),
            "invalid": _("Le fichier n'a pas pu être lu : réessayez."),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # What is stored: the PDF as checked, or the image re-encoded (see portal.uploads).
        self.clean_document = check_upload(upload, max_size=settings.MAX_UPLOAD_SIZE)
        return upload


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe, pour confirmer"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Saisissez votre mot de passe pour confirmer.")},
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Ce mot de passe n'est pas le bon."))
        return password


class MessageToCentreForm(forms.Form):
    """« Écrire au centre de formation »: the candidate says they cannot come, or asks a question."""

    topic = forms.ChoiceField(
        label=_("Votre message concerne"),
        choices=ApplicationMessage.Topic.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez le sujet de votre message.")},
    )
    appointment = forms.ModelChoiceField(
        label=_("Le rendez-vous concerné"),
        queryset=Appointment.objects.none(),
        required=False,
        empty_label=_("Aucun en particulier"),
    )
    body = forms.CharField(
        label=_("Votre message"),
        min_length=5,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Par exemple : « Je ne pourrai pas venir le 16 mars, j'ai un rendez-vous médical. Est-ce possible un autre jour ? »"
        ),
        error_messages={"required": _("Écrivez votre message.")},
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        upcoming = application.appointments.filter(starts_at__gte=timezone.now()).order_by("starts_at")
        self.fields["appointment"].queryset = upcoming
        self.fields["appointment"].label_from_instance = lambda appointment: (
            f"{appointment.get_kind_display()} — {long_date(appointment.starts_at, 'weekday_time')}"
        )
        if not upcoming:
            del self.fields["appointment"]

    def clean(self):
        cleaned = super().clean()
        cannot_attend = cleaned.get("topic") == ApplicationMessage.Topic.CANNOT_ATTEND
        if cannot_attend and "appointment" in self.fields and not cleaned.get("appointment"):
            self.add_error("appointment", _("Choisissez le rendez-vous où vous ne pourrez pas venir."))
        return cleaned
