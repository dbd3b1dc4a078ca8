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
