from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


class PreferencesForm(forms.ModelForm):
    """What a user may choose about the emails they get. Decisions and invitations are not here:
    they are always sent."""

    class Meta:
        model = User
        fields = ["language", "receives_reminders", "receives_digests"]
        help_texts = {
            "language": _("La langue des e-mails que vous recevez."),
            "receives_reminders": _(
                "Rappels avant la fin d'une proposition de place et avant le début de votre formation."
            ),
            "receives_digests": _(
                "Pour les équipes : un récapitulatif quotidien des candidatures à instruire ou des changements sur vos sessions."
            ),
        }


class ServiceModelForm(forms.ModelForm):
    """A model form that validates and collects, for a model that only its service writes
    (``portal.doors``): ``save(commit=False)`` gives the unsaved instance (the admin asks for it
    before its save_model, which calls the service); ``save()`` refuses to write."""

    def save(self, commit=True):
        if commit:
            raise TypeError(f"{type(self).__name__} does not save: pass its cleaned_data to the service.")
        return super().save(commit=False)
