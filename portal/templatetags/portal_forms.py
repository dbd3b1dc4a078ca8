"""``{% error_summary form %}``: the list of a form's errors at its top after a failed submit,
each linked to its field (GOV.UK / DSFR error summary), focused by static/js/error-summary.js."""

from django import forms, template

register = template.Library()


def _anchor(bound_field):
    """The id of the element a summary link should focus: the first choice of a radio group."""
    widget = bound_field.field.widget
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return f"{bound_field.id_for_label or bound_field.auto_id}_0".replace("_0_0", "_0")
    return bound_field.id_for_label or bound_field.auto_id


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms_):
    items = []
    for form in forms_:
        if form is None or not getattr(form, "is_bound", False) or not form.errors:
            continue
        items.extend({"message": error, "anchor": ""} for error in form.non_field_errors())
        for bound_field in form:
            if bound_field.is_hidden:
                continue
            items.extend(
                {"message": error, "anchor": _anchor(bound_field), "label": bound_field.label}
                for error in bound_field.errors
            )
    return {"items": items}
