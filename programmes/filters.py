"""The public catalogue's filters: every choice is a GET parameter, so a filtered list is a URL
that can be shared (by SMS, by a job counsellor…)."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from .departements import departement_label
from .models import Programme, Session, Track, TrainingSite


def _upcoming_months(count=12):
    today = timezone.localdate()
    year, month = today.year, today.month
    choices = []
    for _i in range(count):
        day = datetime.date(year, month, 1)
        choices.append((f"{year:04d}-{month:02d}", formats.date_format(day, "F Y")))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return choices


class SessionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Rechercher"),
        method="search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Métier, ville, école…")}),
    )
    programme = django_filters.ModelChoiceFilter(
        label=_("Programme"),
        queryset=Programme.objects.published(),
        to_field_name="slug",
        empty_label=_("Tous les programmes"),
    )
    track = django_filters.ChoiceFilter(label=_("Métier"), choices=Track.choices, empty_label=_("Tous les métiers"))
    departement = django_filters.ChoiceFilter(
        label=_("Département"), field_name="site__departement", empty_label=_("Tous les départements")
    )
    commune = django_filters.CharFilter(label=_("Commune"), field_name="site__commune", lookup_expr="icontains")
    rhythm = django_filters.ChoiceFilter(
        label=_("Rythme"), choices=Session.Rhythm.choices, empty_label=_("Temps plein ou partiel")
    )
    delivery = django_filters.ChoiceFilter(
        label=_("Sur place ou à distance"), choices=Session.Delivery.choices, empty_label=_("Peu importe")
    )
    start_month = django_filters.ChoiceFilter(
        label=_("Début de la formation"), method="starting_in", empty_label=_("N'importe quand")
    )
    open = django_filters.BooleanFilter(
        label=_("Seulement les candidatures ouvertes aujourd'hui"),
        method="open_only",
        widget=forms.CheckboxInput,
    )
    seats = django_filters.BooleanFilter(
        label=_("Seulement les sessions avec des places libres"), method="with_seats_left", widget=forms.CheckboxInput
    )

    class Meta:
        model = Session
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        departements = (
            TrainingSite.objects.filter(sessions__in=Session.objects.published())
            .order_by("departement")
            .values_list("departement", flat=True)
            .distinct()
        )
        self.filters["departement"].extra["choices"] = [(d, departement_label(d)) for d in departements]
        self.filters["start_month"].extra["choices"] = _upcoming_months()

    def search(self, queryset, name, value):
        for word in value.split()[:6]:
            tracks = [track for track in Track if word.casefold() in str(track.label).casefold()]
            queryset = queryset.filter(
                Q(track__in=tracks)
                | Q(name__icontains=word)
                | Q(programme__name__icontains=word)
                | Q(site__provider__name__icontains=word)
                | Q(site__commune__icontains=word)
                | Q(description__icontains=word)
                | Q(certification__icontains=word)
            )
        return queryset

    def starting_in(self, queryset, name, value):
        year, month = (int(part) for part in value.split("-"))
        return queryset.filter(starts_on__year=year, starts_on__month=month)

    def open_only(self, queryset, name, value):
        return queryset.open_for_applications() if value else queryset

    def with_seats_left(self, queryset, name, value):
        return queryset.with_seats_left() if value else queryset
