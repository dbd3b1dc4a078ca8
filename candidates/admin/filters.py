"""Changelist filters of the applications whose choices come from small tables (one query each,
whatever the number of applications)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from programmes.models import Programme, Session, TrainingProvider, TrainingSite

from ..models import AUDIENCE_FLAGS, AdviserOrganisation, OrganisationKind
from ..workflow import Status


class _ChoicesFilter(admin.SimpleListFilter):
    lookup = ""  # the ORM path filtered on

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.lookup: self.value()})
        return queryset


class ProgrammeFilter(_ChoicesFilter):
    title = _("programme")
    parameter_name = "programme"
    lookup = "session__programme"

    def lookups(self, request, model_admin):
        return [(p.pk, p.name) for p in Programme.objects.only("name")]


class SeasonFilter(_ChoicesFilter):
    title = _("saison")
    parameter_name = "season"
    lookup = "session__programme__season"

    def lookups(self, request, model_admin):
        seasons = Programme.objects.exclude(season="").values_list("season", flat=True).distinct().order_by("season")
        return [(season, season) for season in seasons]


class ProviderFilter(_ChoicesFilter):
    title = _("structure")
    parameter_name = "provider"
    lookup = "session__site__provider"

    def lookups(self, request, model_admin):
        return [(p.pk, p.name) for p in TrainingProvider.objects.only("name")]


class SiteFilter(_ChoicesFilter):
    title = _("lieu")
    parameter_name = "site"
    lookup = "session__site"

    def lookups(self, request, model_admin):
        return [(s.pk, str(s)) for s in TrainingSite.objects.only("name", "commune")]


class SessionFilter(_ChoicesFilter):
    title = _("session")
    parameter_name = "session"
    lookup = "session"

    def lookups(self, request, model_admin):
        sessions = Session.objects.select_related("site").only("name", "starts_on", "site__commune")
        return [(s.pk, str(s)) for s in sessions.order_by("-starts_on", "name")]


class OrientedByFilter(_ChoicesFilter):
    """« Orientée par »: one organisation, or none (the candidate came alone)."""

    title = _("orientée par")
    parameter_name = "oriented_by"
    lookup = "oriented_by"
    NONE = "none"

    def lookups(self, request, model_admin):
        organisations = AdviserOrganisation.objects.only("name").order_by("name")
        return [(self.NONE, _("Personne (candidature spontanée)")), *((o.pk, o.name) for o in organisations)]

    def queryset(self, request, queryset):
        if self.value() == self.NONE:
            return queryset.filter(oriented_by__isnull=True)
        return super().queryset(request, queryset)


class OrientingKindFilter(_ChoicesFilter):
    title = _("type d'organisation d'orientation")
    parameter_name = "oriented_by_kind"
    lookup = "oriented_by__kind"

    def lookups(self, request, model_admin):
        return OrganisationKind.choices


class ToReviewFilter(admin.SimpleListFilter):
    """« À traiter »: the applications waiting for a staff decision, one step of the selection at
    a time (the admin index's « Candidatures à examiner » opens the whole queue). Drafts, refusals,
    enrolments and offers waiting for the candidate's answer are not staff work."""

    title = _("à traiter")
    parameter_name = "a_traiter"
    ALL = "tout"
    STEPS = {
        "verifier": (_("À vérifier (un justificatif ou une réponse)"), (Status.TO_BE_CHECKED,)),
        "eligibles": (_("Éligibles : première décision"), (Status.ELIGIBLE,)),
        "convoques": (
            _("Convoqués : résultat et suite"),
            (Status.INVITED_TO_TEST, Status.INVITED_TO_INTERVIEW),
        ),
        "acceptees": (_("Places acceptées : inscription"), (Status.SEAT_ACCEPTED,)),
    }
    STATUSES = tuple(status for _label, statuses in STEPS.values() for status in statuses)

    def lookups(self, request, model_admin):
        return [
            (self.ALL, _("Toutes les candidatures à traiter")),
            *((key, label) for key, (label, _s) in self.STEPS.items()),
        ]

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset.filter(status__in=self.STATUSES)
        if self.value() in self.STEPS:
            return queryset.filter(status__in=self.STEPS[self.value()][1])
        return queryset


class PriorityScoreFilter(admin.SimpleListFilter):
    title = _("score de priorité")
    parameter_name = "priority"
    RANGES = {"high": (30, None), "medium": (10, 29), "low": (None, 9)}

    def lookups(self, request, model_admin):
        return [("high", _("30 et plus")), ("medium", _("de 10 à 29")), ("low", _("moins de 10"))]

    def queryset(self, request, queryset):
        low, high = self.RANGES.get(self.value(), (None, None))
        if low is not None:
            queryset = queryset.filter(priority_score__gte=low)
        if high is not None:
            queryset = queryset.filter(priority_score__lte=high)
        return queryset


# The priority audiences' columns (candidates.models.AUDIENCE_FLAGS): one filter each.
AUDIENCE_FIELDS = tuple(AUDIENCE_FLAGS.values())
