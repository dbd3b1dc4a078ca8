"""How the statistics page writes a published figure: the number, or « secret » when withheld."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def figure(value):
    """A published count, or the mark of a withheld one (its meaning is spelt out for screen
    readers; the page explains it once in full)."""
    if value is None:
        return format_html(
            '<span class="secret" title="{title}">{mark}<span class="visually-hidden"> ({title})</span></span>',
            mark=_("secret"),
            title=_("chiffre masqué : secret statistique"),
        )
    return intcomma(value)


@register.filter
def percent(value):
    """A share, in the reader's number format (« 38,5 % »), or a dash when it cannot be computed
    from published figures."""
    if value is None:
        return "—"
    return format_html("{}\u00a0%", floatformat(value, 1))
