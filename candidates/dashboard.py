"""Programme figures for the admin dashboard: applications, eligibility, offers, enrolments, seats
filled and priority audiences reached, per programme, structure, session and track family.

Two queries whatever the number of applications: one GROUP BY session with conditional counts,
one for the sessions in scope; the roll-ups (programme, structure, track family, total) are sums
made in Python over at most a few hundred session rows.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from programmes.models import TRACK_FAMILIES, PriorityAudience, ProgrammeAudience, Session, Track, TrackFamily

from .models import AUDIENCE_FLAGS, Application
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


def percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Row:
    """One line of a table: summed counts, with shares computed on demand."""

    key: object
    label: str
    capacity: int = 0
    counts: dict = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    targets: dict = field(default_factory=dict)

    def add(self, counts, capacity=0):
        for name in FIGURES:
            self.counts[name] += counts.get(name, 0)
        self.capacity += capacity

    @property
    def seats_filled_percent(self):
        return percent(self.counts["seats_taken"], self.capacity)

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
    }


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
