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
