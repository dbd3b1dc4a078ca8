"""What every session form shares (the centre's and the admin's): date widgets, and dates in
order, explained on the field that is wrong (the twin of Session's check constraints)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


DATE_WIDGETS = {
    "starts_on": DateInput(),
    "ends_on": DateInput(),
    "applications_open_on": DateInput(),
    "applications_close_on": DateInput(),
}


class SessionDatesMixin:
    """Dates in order, explained on the field that is wrong (the check constraints' twin)."""

    def clean(self):
        cleaned = super().clean()
        pairs = (
            ("starts_on", "ends_on", _("La fin doit être le même jour que le début ou après.")),
            (
                "applications_open_on",
                "applications_close_on",
                _("La clôture des candidatures doit être le jour de l'ouverture ou après."),
            ),
        )
        for first, last, message in pairs:
            if cleaned.get(first) and cleaned.get(last) and cleaned[last] < cleaned[first]:
                self.add_error(last, message)
        return cleaned
