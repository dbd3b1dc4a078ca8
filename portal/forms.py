from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import User


class PreferencesForm(forms.ModelForm):
    """What a user may choose about the emails they get. Decisions and invitations are not here:
    they are always sent."""

    class Meta:
        model = User
        fields = ["language", "prefers_easy_read", "receives_reminders", "receives_digests"]
        help_texts = {
            "language": _("La langue des e-mails que vous recevez."),
            "prefers_easy_read": _(
                "Des phrases courtes et des mots simples, sur le site et dans les e-mails. Vous pouvez aussi "
                "changer avec le lien « Facile à lire » en haut de chaque page."
            ),
            "receives_reminders": _(
                "Rappels avant la fin d'une proposition de place et avant le début de votre formation."
            ),
            "receives_digests": _(
                "Pour les équipes : un récapitulatif quotidien des candidatures à instruire ou des changements sur vos sessions."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not receives_staff_digests(self.instance):
            # Digests are for municipal and training-centre staff; a candidate has none to turn off.
            del self.fields["receives_digests"]


def receives_staff_digests(user):
    """Whether a daily digest exists for this user (candidates.notifications sends them to
    municipal staff and training-centre members)."""
    return user.is_municipal_staff or user.provider_memberships.exists()


class ServiceModelForm(forms.ModelForm):
    """A model form that validates and collects, for a model that only its service writes
    (``portal.doors``): ``save(commit=False)`` gives the unsaved instance (the admin asks for it
    before its save_model, which calls the service); ``save()`` refuses to write."""

    def save(self, commit=True):
        if commit:
            raise TypeError(f"{type(self).__name__} does not save: pass its cleaned_data to the service.")
        return super().save(commit=False)


class ContactForm(forms.Form):
    """« Aide et contact »: a message to the municipal team, sent through the outbox."""

    class Topic(models.TextChoices):
        TRAINING = "training", _("Une question sur une formation")
        APPLICATION = "application", _("Ma candidature")
        ACCOUNT = "account", _("Mon compte (connexion, e-mail, mot de passe)")
        ACCESSIBILITY = "accessibility", _("Un problème d'accessibilité")
        PERSONAL_DATA = "personal_data", _("Mes données personnelles")
        OTHER = "other", _("Autre chose")

    name = forms.CharField(label=_("Votre nom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        help_text=_("Pour vous répondre."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    topic = forms.ChoiceField(label=_("C'est au sujet de"), choices=Topic.choices, widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("Votre message"),
        min_length=10,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "N'écrivez pas de numéro de sécurité sociale ni d'information de santé dont nous n'avons pas besoin."
        ),
        error_messages={"min_length": _("Écrivez au moins quelques mots (%(limit_value)d caractères).")},
    )
