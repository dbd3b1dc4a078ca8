"""Partner workflows: publishing opportunities, trainees' interests, placements and the figures
of what the charters' signatories promised and delivered.

Delivered is never stored: it is counted from the interests marked taken (see
``CommitmentQuerySet.with_delivered``), so the figures cannot drift from the placements.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from candidates.models import Application
from portal.models import OutgoingEmail, User
from programmes.models import Programme, Session

from . import notifications
from .models import (
    ADMITTED_STATUSES,
    Charter,
    Commitment,
    Interest,
    Opportunity,
    OpportunityTrack,
    PartnerCompany,
    PartnerMembership,
)


class PartnerError(Exception):
    """An act that may not happen; the message is translated and shown to the user as is."""


class OpportunityClosed(PartnerError):
    pass


class NoPlacesLeft(PartnerError):
    pass


def companies_of(user):
    if not user.is_authenticated:
        return PartnerCompany.objects.none()
    return PartnerCompany.objects.filter(memberships__user=user)


def is_partner_member(user):
    return user.is_authenticated and user.partner_memberships.exists()


@transaction.atomic
def save_opportunity(
    opportunity: Opportunity, *, sessions: Iterable[Session], tracks: Iterable[str], actor: User
) -> Opportunity:
    """Create or update an opportunity with the sessions and tracks it is for."""
    if opportunity.pk is None:
        opportunity.created_by = actor
    opportunity.save()
    opportunity.sessions.set(sessions)
    tracks = set(tracks)
    opportunity.track_links.exclude(track__in=tracks).delete()
    existing = set(opportunity.track_links.values_list("track", flat=True))
    OpportunityTrack.objects.bulk_create(
        [OpportunityTrack(opportunity=opportunity, track=track) for track in sorted(tracks - existing)]
    )
    return opportunity


def admitted_application_for(opportunity: Opportunity, candidate: User) -> Application | None:
    """The candidate's admitted or enrolled application that gives access to the opportunity."""
    return (
        Application.objects.filter(candidate=candidate, status__in=ADMITTED_STATUSES)
        .filter(Q(session__in=opportunity.sessions.all()) | Q(session__track__in=opportunity.tracks))
        .order_by("-submitted_at")
        .first()
    )


def express_interest(
    *,
    opportunity: Opportunity,
    candidate: User,
    message: str = "",
    share_name: bool = False,
    share_email: bool = False,
    share_phone: bool = False,
    on: datetime.date | None = None,
) -> tuple[Interest, bool]:
    """Record the candidate's interest. Returns ``(interest, created)``; a second click returns the
    first interest unchanged (one row per trainee and opportunity, backed by a unique constraint).
    The caller has checked that the candidate may see the opportunity (``for_candidate``)."""
    if not opportunity.is_open_for_interest(on):
        raise OpportunityClosed(
            _("La date limite pour se manifester était le %(date)s : cette opportunité n'accepte plus de candidats.")
            % {"date": formats.date_format(opportunity.apply_by, "DATE_FORMAT")}
        )
    defaults = {
        "application": admitted_application_for(opportunity, candidate),
        "message": message.strip(),
        "share_name": share_name,
        "share_email": share_email,
        "share_phone": share_phone,
    }
    try:
        with transaction.atomic():
            return Interest.objects.get_or_create(opportunity=opportunity, candidate=candidate, defaults=defaults)
    except IntegrityError:
        # Two simultaneous clicks: the other request created it between our SELECT and INSERT.
        return Interest.objects.get(opportunity=opportunity, candidate=candidate), False


def withdraw_interest(interest: Interest) -> None:
    """The trainee takes back an interest the company has not decided on yet."""
    if interest.status != Interest.Status.INTERESTED:
        raise PartnerError(_("L'entreprise a déjà répondu : votre intérêt ne peut plus être retiré."))
    interest.delete()


def mark_taken(interest: Interest, *, actor: User) -> Interest:
    """The company takes the trainee: a placement, counted as delivered on the linked commitment.
    Never more placements than the opportunity's places (checked under a lock on the opportunity)."""
    with transaction.atomic():
        opportunity = Opportunity.objects.select_for_update().get(pk=interest.opportunity_id)
        interest = Interest.objects.select_for_update().get(pk=interest.pk)
        if interest.status == Interest.Status.TAKEN:
            return interest
        taken = opportunity.interests.taken().count()
        if taken >= opportunity.places:
            raise NoPlacesLeft(
                _("Les %(places)s places de cette opportunité sont déjà attribuées.") % {"places": opportunity.places}
            )
        interest = _decide(interest, Interest.Status.TAKEN, actor)
        notifications.notify_taken(interest)
        return interest


def mark_not_taken(interest: Interest, *, actor: User) -> Interest:
    with transaction.atomic():
        interest = Interest.objects.select_for_update().get(pk=interest.pk)
        if interest.status == Interest.Status.NOT_TAKEN:
            return interest
        return _decide(interest, Interest.Status.NOT_TAKEN, actor)


def _decide(interest, status, actor):
    interest.status = status
    interest.decided_at = timezone.now()
    interest.decided_by = actor
    interest.save(update_fields=["status", "decided_at", "decided_by"])
    return interest


def commitment_figures(programme: Programme | int | None = None, *, charter: Charter | None = None) -> dict[str, Any]:
    """What the partners promised and delivered, in total, per kind and per company, for every
    charter, a programme's or one charter's.

    For the programme dashboard, the admin and the public charter page. One query. Returns::

        {"promised": int, "delivered": int,
         "by_kind": [{"kind", "label", "promised", "delivered"}, ...],      # every kind, in order
         "by_company": [{"company_id", "company", "promised", "delivered"}, ...]}  # by name
    """
    commitments = Commitment.objects.all()
    if programme is not None:
        commitments = commitments.for_programme(programme)
    if charter is not None:
        commitments = commitments.filter(signature__charter=charter)
    rows = commitments.with_delivered().values_list(
        "kind", "quantity_promised", "delivered", "signature__company_id", "signature__company__name"
    )
    by_kind = {
        kind: {"kind": kind, "label": str(label), "promised": 0, "delivered": 0}
        for kind, label in Commitment.Kind.choices
    }
    by_company = defaultdict(lambda: {"promised": 0, "delivered": 0})
    for kind, promised, delivered, company_id, company_name in rows:
        for bucket in (by_kind[kind], by_company[(company_name, company_id)]):
            bucket["promised"] += promised
            bucket["delivered"] += delivered
    companies = [
        {"company_id": company_id, "company": name, **figures}
        for (name, company_id), figures in sorted(by_company.items())
    ]
    return {
        "promised": sum(row["promised"] for row in by_kind.values()),
        "delivered": sum(row["delivered"] for row in by_kind.values()),
        "by_kind": list(by_kind.values()),
        "by_company": companies,
    }


# --- Reminders near the season's end ------------------------------------------------------------

# How long before a charter's season ends its signatories behind on their commitments are reminded.
REMINDER_WINDOW_DAYS = 60


def commitments_behind(on: datetime.date | None = None) -> QuerySet[Commitment]:
    """Commitments still short of their promise, under a published charter whose season ends within
    the reminder window (today included)."""
    on = on or timezone.localdate()
    window = getattr(settings, "PARTNER_REMINDER_WINDOW_DAYS", REMINDER_WINDOW_DAYS)
    return (
        Commitment.objects.with_delivered()
        .filter(
            shortfall__gt=0,
            signature__charter__is_published=True,
            signature__charter__season_ends_on__gte=on,
            signature__charter__season_ends_on__lte=on + datetime.timedelta(days=window),
        )
        .select_related("signature__company", "signature__charter", "session")
        .order_by("signature__company__name", "signature__charter__season_ends_on", "kind", "pk")
    )


def send_commitment_reminders(on: datetime.date | None = None) -> int:
    """Queue, for each member of each company behind on its commitments, one digest listing what
    remains to deliver. Idempotent per company, member and ISO week: the beat job may run daily and
    twice, each member gets at most one reminder a week. Returns the number of emails queued."""
    on = on or timezone.localdate()
    by_company = defaultdict(list)
    for commitment in commitments_behind(on):
        by_company[commitment.signature.company].append(commitment)
    if not by_company:
        return 0
    members = (
        PartnerMembership.objects.filter(company__in=by_company, user__is_active=True, user__receives_reminders=True)
        .select_related("user", "company")
        .order_by("company__name", "user__pk")
    )
    year, week, _ = on.isocalendar()

    def key(membership):
        return f"partners-commitment-reminder:{membership.company_id}:{membership.user_id}:{year}-W{week:02d}"

    already = set(
        OutgoingEmail.objects.filter(idempotency_key__in=[key(m) for m in members]).values_list(
            "idempotency_key", flat=True
        )
    )
    queued = 0
    for membership in members:
        if key(membership) in already:
            continue
        with transaction.atomic():
            notifications.notify_commitments_behind(
                membership, by_company[membership.company], idempotency_key=key(membership)
            )
        queued += 1
    return queued
