"""French typography in templates (a builtin: no ``{% load %}`` needed, see settings.TEMPLATES).

``{{ day|long_date }}`` gives « 1er janvier 2027 » in French (the first of the month is written
1er), « 1 January 2027 » in English; ``long_date:"weekday"`` adds the day (« lundi 1er mars
2027 »), ``long_date:"time"`` the time (« 1er mars 2027 à 09:30 »), ``long_date:"short"`` drops the
year (« 1er mars »). ``{{ size|file_size }}`` gives « 5 Mo », « 17,7 ko » (the units French
readers know, with the number format of the active language)."""

import datetime

from django import template
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext

register = template.Library()


@register.filter
def long_date(value, style=""):
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        day = moment.date()
    elif isinstance(value, datetime.date):
        moment, day = None, value
    else:
        return value
    number = "1er" if day.day == 1 and (get_language() or "fr").startswith("fr") else str(day.day)
    text = f"{number} {formats.date_format(day, 'F')}"
    if style != "short":
        text = f"{text} {day.year}"
    if style.startswith("weekday"):
        text = f"{formats.date_format(day, 'l')} {text}"
    if style.endswith("time") and moment is not None:
        text = gettext("%(date)s à %(time)s") % {"date": text, "time": formats.time_format(moment, "H:i")}
    return text


@register.filter
def file_size(size):
    try:
        size = int(size)
    except (TypeError, ValueError):
        return size
    if size < 1024:
        return gettext("%(size)s octets") % {"size": size}
    if size < 1024 * 1024:
        return gettext("%(size)s ko") % {"size": _number(size / 1024)}
    return gettext("%(size)s Mo") % {"size": _number(size / (1024 * 1024))}


def _number(value):
    rounded = round(value, 1)
    return formats.number_format(rounded, 0 if rounded == int(rounded) else 1, use_l10n=True)
