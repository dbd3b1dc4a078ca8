"""The admin's list parameters, checked before Django's changelist reads them.

Django applies a changelist's filters lazily: ``?programme=abc`` raised ``ValueError`` and
``?status=%00`` the database's "string literal cannot contain NUL" only while the page rendered,
hence 500s (the December 2026 probe counted 423). ``clean_changelist_parameters`` looks at every
parameter first — the list filters' own (their choices, or their field's type, range and
choices), the date hierarchy, the search, the page, the ordering — and drops those that are not
valid, with a message saying which filter was not applied. The list is then unfiltered on that
parameter (or empty, when the filter's values are valid but match nothing), never an error.
``PortalModelAdmin`` (and the user admin) run it for their list and everything built on it (the
application export).
"""

from django.contrib import messages
from django.contrib.admin import ListFilter
from django.contrib.admin.views.main import (
    ALL_VAR,
    ERROR_FLAG,
    IS_FACETS_VAR,
    IS_POPUP_VAR,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
    TO_FIELD_VAR,
)
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import ngettext

MAX_VALUE_LENGTH = 500
MAX_PAGE = 1_000_000
LOOKUPS = {"exact", "iexact", "in", "isnull", "gt", "gte", "lt", "lte", "contains", "icontains", "startswith"}
LOOKUPS |= {"istartswith", "year", "month", "day", "range"}
PASSED_THROUGH = {ALL_VAR, ERROR_FLAG, IS_FACETS_VAR, IS_POPUP_VAR, TO_FIELD_VAR, "_changelist_filters"}
BOOLEAN_VALUES = {"1", "0", "true", "false", "True", "False"}


def clean_changelist_parameters(model_admin, request):
    """``request.GET`` without the parameters that would break the list; a warning message names
    them. Returns the cleaned QueryDict (immutable)."""
    cleaned = request.GET.copy()
    rejected = [name for name in list(cleaned) if not _is_valid(model_admin, request, name, cleaned.getlist(name))]
    for name in rejected:
        del cleaned[name]
    if rejected:
        shown = ", ".join(sorted({name.replace("\x00", "") or "?" for name in rejected}))[:200]
        messages.warning(
            request,
            ngettext(
                "Le filtre « %(names)s » a une valeur invalide : il n'est pas appliqué.",
                "Les filtres « %(names)s » ont des valeurs invalides : ils ne sont pas appliqués.",
                len(rejected),
            )
            % {"names": shown},
            fail_silently=True,
        )
    cleaned._mutable = False
    return cleaned


def _is_valid(model_admin, request, name, values):
    if "\x00" in name or len(name) > 100:
        return False
    if any("\x00" in value or len(value) > MAX_VALUE_LENGTH for value in values):
        return False
    if name in PASSED_THROUGH or name == SEARCH_VAR:
        return True
    if name == PAGE_VAR:
        return all(value.isdigit() and int(value) <= MAX_PAGE for value in values)
    if name == ORDER_VAR:
        return all(
            len(value) <= 100 and all(part.lstrip("-").isdigit() for part in value.split(".") if part)
            for value in values
        )
    simple_filter = _simple_filter(model_admin, name)
    if simple_filter is not None:
        spec = simple_filter(request, {name: values}, model_admin.model, model_admin)
        return all(value in {str(choice) for choice, _label in spec.lookup_choices} for value in values)
    if model_admin.date_hierarchy and name.startswith(model_admin.date_hierarchy + LOOKUP_SEP):
        return _valid_date_part(name.rsplit(LOOKUP_SEP, 1)[-1], values)
    try:
        allowed = model_admin.lookup_allowed(name, values[-1] if values else "", request)
    except Exception:
        return False
    return allowed and _valid_field_lookup(model_admin.model, name, values)


def _simple_filter(model_admin, name):
    for entry in model_admin.get_list_filter(None):
        if isinstance(entry, type) and issubclass(entry, ListFilter) and getattr(entry, "parameter_name", None) == name:
            return entry
    return None


def _valid_date_part(part, values):
    bounds = {"year": (1, 9999), "month": (1, 12), "day": (1, 31)}.get(part)
    if bounds is None:
        return False
    return all(value.isdigit() and bounds[0] <= int(value) <= bounds[1] for value in values)


def _valid_field_lookup(model, name, values):
    """Walk ``name`` through the model's fields; what remains is the lookup. Each value must be
    one the field would accept (type, choices, integer range)."""
    parts = name.split(LOOKUP_SEP)
    opts, field, position = model._meta, None, 0
    while position < len(parts):
        try:
            field = opts.get_field(parts[position])
        except FieldDoesNotExist:
            break
        position += 1
        if field.is_relation and field.related_model is not None:
            opts = field.related_model._meta
    if field is None:
        return False
    lookup = parts[position:] or ["exact"]
    if len(lookup) > 1 or lookup[0] not in LOOKUPS:
        return False
    if field.is_relation:  # filtering on a relation compares its target's key
        field = field.target_field if hasattr(field, "target_field") else field.related_model._meta.pk
    if lookup[0] == "isnull":
        return all(value in BOOLEAN_VALUES for value in values)
    if lookup[0] in ("year", "month", "day"):
        return _valid_date_part(lookup[0], values)
    if lookup[0] in ("in", "range"):
        values = [item for value in values for item in value.split(",")]
    return all(_valid_value(field, value) for value in values)


def _valid_value(field, value):
    try:
        python = field.to_python(value)
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    if field.choices and str(python) not in {str(choice) for choice, _label in field.flatchoices}:
        return False
    internal_type = field.get_internal_type()
    if isinstance(python, int) and not isinstance(python, bool):
        low, high = connection.ops.integer_field_range(internal_type)
        if (low is not None and python < low) or (high is not None and python > high):
            return False
    return True


class SafeChangelistMixin:
    """For ModelAdmins: the list (and whatever builds on it) reads only checked parameters."""

    def get_changelist_instance(self, request):
        request.GET = clean_changelist_parameters(self, request)
        return super().get_changelist_instance(request)
