"""Admin widgets that survive what a browser never posts.

Django's autocomplete widgets (``autocomplete_fields``) re-render a rejected form by querying the
posted values as they came: ``?user=abc`` on an integer key, a NUL byte, a number beyond the
column's range raise ValueError (or a database error) while the page is drawn, a 500 instead of
the form's own error (« Sélectionnez un choix valide »). The safe widgets look up only the values
their target field accepts; the others are shown as nothing, and the form says why.

``SafeAutocompleteAdminMixin`` makes every ModelAdmin and inline of the portal use them
(``portal.admin.PortalModelAdmin``, ``PortalTabularInline``, ``PortalStackedInline``, the user admin).
"""

from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


def _lookup_values(widget, values):
    """The posted values that the related model's target field can be queried with."""
    remote_opts = widget.field.remote_field.model._meta
    to_field_name = getattr(widget.field.remote_field, "field_name", remote_opts.pk.attname)
    target = remote_opts.get_field(to_field_name)
    accepted = []
    for value in values:
        text = str(value)
        if "\x00" in text:
            continue
        try:
            python_value = target.to_python(text)
            target.run_validators(python_value)  # an integer column's range among them
        except (ValidationError, ValueError, TypeError, OverflowError):
            continue
        accepted.append(text)
    return accepted


class SafeAutocompleteMixin:
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, _lookup_values(self, value), attr)


class SafeAutocompleteSelect(SafeAutocompleteMixin, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(SafeAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class SafeAutocompleteAdminMixin:
    """For ModelAdmin and InlineModelAdmin: ``autocomplete_fields`` get the safe widgets (Django
    only builds its own when no widget is given)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if (
            "widget" not in kwargs
            and db_field.remote_field.through._meta.auto_created
            and db_field.name in self.get_autocomplete_fields(request)
        ):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)
