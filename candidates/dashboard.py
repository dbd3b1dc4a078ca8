"""Programme figures for the admin dashboard: applications, eligibility, offers, enrolments, seats
filled and priority audiences reached, per programme, structure, session and track family.

Two queries whatever the number of applications: one GROUP BY session with conditional counts,
one for the sessions in scope; the roll-ups (programme, structure, track family, total) are sums
made in Python over at most a few hundred session rows.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programmes.models import TRACK_FAMILIES, PriorityAudience, ProgrammeAudience, Session, Track, TrackFamily

from .models import AUDIENCE_FLAGS, Application, ApplicationEvent, OrganisationKind
from .workflow import SEAT_HOLDING_STATUSES, Status

# Statuses of applications that were offered a seat at some point.
OFFERED_STATUSES = SEAT_HOLDING_STATUSES | {Status.NO_SHOW, Status.OFFER_DECLINED, Status.OFFER_EXPIRED}

# The audiences the dashboard follows (Paris Code's targets), with their application column.
FOLLOWED_AUDIENCES = (
    PriorityAudience.WOMEN,
    PriorityAudience.UNDER_26_WITHOUT_DIPLOMA,
    PriorityAudience.AGED_50_PLUS,
    PriorityAudience.QPV_RESIDENTS,
    PriorityAudience.JOB_SEEKERS,
)
AUDIENCES = {audience: AUDIENCE_FLAGS[audience] for audience in FOLLOWED_AUDIENCES}

COUNTS = {
    "applications": Count("pk"),
    "eligible": Count("pk", filter=Q(screening_outcome="eligible")),
    "offered": Count("pk", filter=Q(status__in=OFFERED_STATUSES)),
    "enrolled": Count("pk", filter=Q(status=Status.ENROLLED)),
    "seats_taken": Count("pk", filter=Q(status__in=SEAT_HOLDING_STATUSES)),
    **{audience.value: Count("pk", filter=Q(**{flag: True})) for audience, flag in AUDIENCES.items()},
}
FIGURES = tuple(COUNTS)
# What ranked wishes released (events of the workflow's release_wish, one query): seats and waiting
# places freed when their holder took a seat elsewhere, and the days the freeing came earlier than
# it would have without release (days_gained, summed; see release_figures).
RELEASE_FIGURES = ("seats_released", "waiting_released", "days_gained")


def percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Row:
    """One line of a table: summed counts, with shares computed on demand."""

    key: object
    label: str
    capacity: int = 0
    counts: dict = field(default_factory=lambda: dict.fromkeys(FIGURES + RELEASE_FIGURES, 0))
    targets: dict = field(default_factory=dict)

    def add(self, counts, capacity=0):
        for name in FIGURES + RELEASE_FIGURES:
            self.counts[name] += counts.get(name, 0)
        self.capacity += capacity

    @property
    def seats_filled_percent(self):
        return percent(self.counts["seats_taken"], self.capacity)

    @property
    def days_earlier(self):
        """On average, how many days earlier a released seat or waiting place moved its list."""
        released = self.counts["seats_released"] + self.counts["waiting_released"]
        return round(self.counts["days_gained"] / released, 1) if released else None

    @property
    def audiences(self):
        """Per audience: label, count, share of applications, target and whether it is reached."""
        result = []
        for audience in AUDIENCES:
            share = percent(self.counts[audience.value], self.counts["applications"])
            target = self.targets.get(audience.value)
            result.append(
                {
                    "code": audience.value,
                    "label": audience.label,
                    "count": self.counts[audience.value],
                    "share": share,
                    "target": target,
                    "below_target": target is not None and share is not None and share < target,
                }
            )
        return result

    def __getattr__(self, name):
        counts = self.__dict__.get("counts", {})
        if name in counts:
            return counts[name]
        raise AttributeError(name)


def _scope(filters):
    query = Q()
    if filters.get("programme"):
        query &= Q(programme=filters["programme"])
    if filters.get("season"):
        query &= Q(programme__season=filters["season"])
    if filters.get("provider"):
        query &= Q(site__provider=filters["provider"])
    if filters.get("session"):
        query &= Q(pk=filters["session"])
    return query


def figures(filters=None):
    """All the dashboard's tables for the sessions matching ``filters`` (programme, season,
    provider, session: primary keys or the season's name)."""
    filters = filters or {}
    sessions = list(
        Session.objects.filter(_scope(filters))
        .select_related("programme", "site__provider")
        .only(
            "name",
            "track",
            "capacity",
            "starts_on",
            "programme__name",
            "programme__season",
            "site__commune",
            "site__provider__name",
        )
    )
    counts = {
        row.pop("session"): row
        for row in Application.objects.submitted()
        .filter(session__in=Session.objects.filter(_scope(filters)).values("pk"))
        .values("session")
        .annotate(**COUNTS)
        .order_by()
    }
    for session_id, released in release_figures(sessions).items():
        counts.setdefault(session_id, {}).update(released)
    targets = {}
    for audience in ProgrammeAudience.objects.filter(
        programme__in={s.programme_id for s in sessions}, target_percent__isnull=False
    ):
        targets.setdefault(audience.programme_id, {})[audience.audience] = audience.target_percent

    total = Row("total", str(_("Total")))
    if len({s.programme_id for s in sessions}) == 1:
        total.targets = targets.get(sessions[0].programme_id, {})
    by_programme, by_provider, by_session, by_family = {}, {}, [], {}
    for family in TrackFamily:
        by_family[family] = Row(family.value, family.label)
    for session in sessions:
        session_counts = counts.get(session.pk, {})
        programme = session.programme
        label = f"{programme.name} — {programme.season}" if programme.season else programme.name
        programme_row = by_programme.setdefault(
            programme.pk, Row(programme.pk, label, targets=targets.get(programme.pk, {}))
        )
        provider = session.site.provider
        provider_row = by_provider.setdefault(provider.pk, Row(provider.pk, provider.name))
        session_row = Row(
            session.pk,
            f"{session.name} ({session.site.commune}, {session.starts_on:%m/%Y})",
            targets=targets.get(programme.pk, {}),
        )
        family = (
            TRACK_FAMILIES.get(Track(session.track), TrackFamily.OTHER)
            if session.track in Track.values
            else TrackFamily.OTHER
        )
        for row in (total, programme_row, provider_row, session_row, by_family[family]):
            row.add(session_counts, session.capacity)
        by_session.append(session_row)

    orienting_organisations, orienting_kinds = _orientation(filters)
    families = list(by_family.values())
    enrolled = sum(row.counts["enrolled"] for row in families)
    applications = sum(row.counts["applications"] for row in families)
    track_families = [
        {
            "code": row.key,
            "label": row.label,
            "applications": row.counts["applications"],
            "applications_share": percent(row.counts["applications"], applications),
            "enrolled": row.counts["enrolled"],
            "enrolled_share": percent(row.counts["enrolled"], enrolled),
        }
        for row in families
    ]
    return {
        "total": total,
        "programmes": sorted(by_programme.values(), key=lambda row: row.label),
        "providers": sorted(by_provider.values(), key=lambda row: row.label),
        "sessions": by_session,
        "track_families": track_families,
        "orienting_organisations": orienting_organisations,
        "orienting_kinds": orienting_kinds,
    }


def release_figures(sessions):
    """``{session id: {seats_released, waiting_released, days_gained}}`` from the release events of
    ``sessions`` (one query).

    Without release, the place would have been freed later: a seat held or accepted by someone who
    went elsewhere, on the first day (a no-show); an offer, when its answer delay ran out (a person
    who has gone elsewhere seldom answers); a waiting place, when the person's turn came and their
    offer's delay ran out. days_gained counts, for each release, the days between the release and
    that moment (the offer delay for offers and waiting places; never below zero), from the
    release's date in Paris: a release at 23:30 UTC happened on the next day there."""
    by_id = {session.pk: session for session in sessions}
    result = {}
    events = ApplicationEvent.objects.filter(
        transition="release_wish", application__session__in=list(by_id)
    ).values_list(
        "application__session", "from_status", "created_at", "application__session__programme__offer_deadline_days"
    )
    for session_id, source, released_at, offer_days in events:
        row = result.setdefault(session_id, dict.fromkeys(RELEASE_FIGURES, 0))
        if source in SEAT_HOLDING_STATUSES and source != Status.SEAT_OFFERED:
            row["seats_released"] += 1
            row["days_gained"] += max((by_id[session_id].starts_on - timezone.localdate(released_at)).days, 0)
        elif source == Status.SEAT_OFFERED:
            row["seats_released"] += 1
            row["days_gained"] += offer_days
        elif source == Status.WAITLISTED:
            row["waiting_released"] += 1
            row["days_gained"] += offer_days
    return result


def _orientation(filters):
    """Applications and enrolments per orienting organisation, and per kind of organisation (with
    the applications nobody oriented): what France Travail and the City report on. One query."""
    rows = (
        Application.objects.submitted()
        .filter(session__in=Session.objects.filter(_scope(filters)).values("pk"))
        .values("oriented_by", "oriented_by__name", "oriented_by__kind")
        .annotate(**COUNTS)
        .order_by("oriented_by__name", "oriented_by")
    )
    organisations, kinds = [], {}
    for values in rows:
        kind = values["oriented_by__kind"]
        if kind is None:
            kind_row = kinds.setdefault("", Row("", str(_("Sans orientation (candidature directe)"))))
        else:
            label = OrganisationKind(kind).label if kind in OrganisationKind.values else kind
            kind_row = kinds.setdefault(kind, Row(kind, str(label)))
            organisation = Row(values["oriented_by"], values["oriented_by__name"])
            organisation.kind_label = kind_row.label
            organisation.add(values)
            organisations.append(organisation)
        kind_row.add(values)
    ordered_kinds = sorted(kinds.values(), key=lambda row: (row.key == "", row.label))
    return organisations, ordered_kinds


def chart_data(result):
    """What static/js/admin-dashboard.js draws (through json_script)."""
    total = result["total"]
    return {
        "audiences": {
            "labels": [str(a["label"]) for a in total.audiences],
            "shares": [a["share"] or 0 for a in total.audiences],
            "targets": [a["target"] for a in total.audiences],
            "share_label": str(_("Part des candidatures (%)")),
            "target_label": str(_("Objectif (%)")),
        },
        "families": {
            "labels": [str(f["label"]) for f in result["track_families"]],
            "enrolled": [f["enrolled_share"] or 0 for f in result["track_families"]],
            "label": str(_("Part des inscrits en formation (%)")),
        },
    }
