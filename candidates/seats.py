"""Seats: offers under the session lock, the session's seat figures, capacity and every other
session write, the waiting list and the expiry of overdue offers.

A seat is held by an application whose status is in SEAT_HOLDING_STATUSES (offered, accepted,
enrolled). The session row keeps its figures (offered, accepted, enrolled, waiting list: see
workflow.SEAT_COUNTERS), written by the workflow service with every status change that moves them,
in the same transaction and under the session lock (candidates.locking): pages read them, never
count applications. Deciding on a seat (offering one, lowering the capacity) happens inside one
transaction that first locks the session row, then reads its figures and writes — the pretix way:
the lock is taken once, as late as possible, and always in the same order (the session row before
any application row), so two staff members clicking at the same second cannot give away the same
seat, and no deadlock can form between an offer and a capacity change.

Every write of a session goes through this module too: create_session, update_session,
delete_session.
"""

from __future__ import annotations  # annotations name services' types: resolved lazily (see below)

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import doors
from portal.models import User
from programmes.models import Programme, Session

# services and tasks are imported as modules and read at call time: the tasks module wraps this one
# and imports it (see docs/architecture.md).
from . import notifications, services, tasks
from .locking import lock_session, race_window
from .models import Application
from .workflow import SEAT_COUNTERS, TRANSITIONS_BY_NAME, Status, TransitionError

logger = logging.getLogger(__name__)

# Fields of a session that the training centre may change through update_session() (the admin may
# change any of SESSION_FIELDS); their changes are shown on the centre's session page.
EDITABLE_FIELDS = ("capacity", "starts_on", "ends_on", "applications_open_on", "applications_close_on")
DATE_FIELDS = ("starts_on", "ends_on")
SESSION_FIELDS = tuple(
    field.name
    for field in Session._meta.concrete_fields
    if field.editable and not field.primary_key and field.name != "publication"  # its own workflow, below
)
FIGURES = ("seats_offered", "seats_accepted", "seats_enrolled", "waitlist_size")


class SessionFull(TransitionError):
    """No seat left on the session: the offer was not made."""


class CapacityBelowSeatsTaken(ValidationError):
    """The new capacity would be lower than the seats already taken."""


@dataclass(frozen=True)
class Availability:
    capacity: int
    offered: int
    accepted: int
    enrolled: int
    waiting: int

    @classmethod
    def of(cls, session: Session) -> Availability:
        return cls(session.capacity, *(getattr(session, field) for field in FIGURES))

    @property
    def taken(self):
        return self.offered + self.accepted + self.enrolled

    @property
    def left(self):
        return max(self.capacity - self.taken, 0)

    @property
    def is_full(self):
        return self.taken >= self.capacity


def availability(sessions: Iterable[Session | int]) -> dict[int, Availability]:
    """``{session_id: Availability}`` for many sessions (instances or ids) in one query, from their
    seat figures. A reading: deciding on a seat goes through offer_seat(), under the lock."""
    ids = [getattr(session, "pk", session) for session in sessions]
    rows = Session.objects.filter(pk__in=ids).only("capacity", *FIGURES)
    return {session.pk: Availability.of(session) for session in rows}


def derived_figures(session_ids: Iterable[int] | None = None) -> dict[int, dict[str, int]]:
    """What the applications' statuses say each session's figures are (one query): the check of
    the figures kept on the rows (tests), and what recount() writes."""
    counted = {}  # several statuses may count in one figure (a seat held counts as accepted)
    for status, field in SEAT_COUNTERS.items():
        counted.setdefault(field, []).append(status)
    counts = {field: Count("pk", filter=Q(status__in=statuses)) for field, statuses in counted.items()}
    applications = Application.objects.filter(status__in=SEAT_COUNTERS)
    if session_ids is not None:
        applications = applications.filter(session_id__in=list(session_ids))
    rows = applications.order_by().values("session_id").annotate(**counts)
    return {row.pop("session_id"): row for row in rows}


def recount(session_ids: Iterable[int] | None = None) -> int:
    """Write the sessions' seat figures from their applications (all sessions, or those named): for
    rows written in bulk without the workflow (the demo's synthetic candidates, test data). Under
    the session locks, in id order. Returns how many sessions changed."""
    with transaction.atomic():
        sessions = Session.objects.order_by("pk").select_for_update(of=("self",))
        if session_ids is not None:
            sessions = sessions.filter(pk__in=list(session_ids))
        sessions = list(sessions.only("pk", *FIGURES))
        derived = derived_figures([session.pk for session in sessions] if session_ids is not None else None)
        changed = []
        for session in sessions:
            wanted = derived.get(session.pk, dict.fromkeys(FIGURES, 0))
            if any(getattr(session, field) != wanted[field] for field in FIGURES):
                for field in FIGURES:
                    setattr(session, field, wanted[field])
                changed.append(session)
        Session.objects.bulk_update(changed, FIGURES, batch_size=500)
    return len(changed)


def _session_full(session):
    return SessionFull(
        ngettext(
            "La session est complète : sa seule place est déjà proposée ou attribuée.",
            "La session est complète : ses %(capacity)d places sont déjà proposées ou attribuées.",
            session.capacity,
        )
        % {"capacity": session.capacity}
    )


def offer_seat(
    application: Application, *, actor: User | None, actor_role: str | None = None, reason: str = ""
) -> services.TransitionResult:
    """Offer a seat of the application's session to its candidate.

    Locks the session, counts the seats taken, and offers (through the workflow) only if one is
    left; raises SessionFull otherwise, or the workflow's TransitionError (already offered, not
    allowed). The offer carries the programme's deadline."""
    with transaction.atomic():
        session = lock_session(application.session_id)
        return _offer_locked(session, application, actor=actor, actor_role=actor_role, reason=reason)


def _offer_locked(session, application, *, actor, actor_role=None, reason=""):
    # The seats taken are the locked row's own figures: no counting. When the session looks full,
    # first ask (one query) whether this application may be offered a seat at all: a double click
    # or a withdrawn application gets the workflow's own message below, not « full ». If it may,
    # offers past their deadline expire now rather than at the expiry job's next run, freeing seats.
    if session.seats_taken >= session.capacity:
        offerable = Application.objects.filter(
            pk=application.pk, status__in=TRANSITIONS_BY_NAME["offer_seat"].sources
        ).exists()
        if offerable:
            _expire_overdue_locked(session, timezone.now())
            if session.seats_taken >= session.capacity:
                raise _session_full(session)
    race_window()
    # offer_seat's atomic block encloses this call and lets its errors out: no savepoint needed.
    return services.transition(
        application,
        "offer_seat",
        savepoint=False,
        locked_session=session,
        actor=actor,
        actor_role=actor_role,
        reason=reason,
    )


def update_capacity(session: Session, capacity: int, *, actor: User) -> Session:
    """Set the session's capacity; refused below the seats already taken. Raising it offers the
    new seats to the waiting list (after commit)."""
    return update_session(session, {"capacity": capacity}, actor=actor)


def check_capacity(session_id: int, capacity: int) -> None:
    """Raise CapacityBelowSeatsTaken (a ValidationError for the ``capacity`` field) when
    ``capacity`` is below the seats the session's applications hold. Inside a transaction the
    session row is locked first, so that the answer holds until the transaction ends (the admin
    checks in its form, then saves through update_session in the same transaction)."""
    if transaction.get_connection().in_atomic_block:
        session = lock_session(session_id)
    else:
        session = Session.objects.only("capacity", *FIGURES).get(pk=session_id)
    _check_capacity_locked(session, capacity)


def _check_capacity_locked(session, capacity):
    taken = session.seats_taken
    if capacity < taken:
        raise CapacityBelowSeatsTaken(
            ngettext(
                "Impossible de descendre sous %(taken)d place : elle est déjà proposée ou attribuée.",
                "Impossible de descendre sous %(taken)d places : elles sont déjà proposées ou attribuées.",
                taken,
            )
            % {"taken": taken},
            code="capacity_below_seats_taken",
            params={"taken": taken},
        )


def create_session(session: Session, *, actor: User) -> Session:
    """Save a new session (built by the centre's or the admin's form), with its history's author."""
    if session.pk is not None:
        raise ValueError("create_session() saves new sessions: use update_session()")
    session.full_clean()
    session._history_user = actor
    with doors.service_write():
        session.save()
    return session


def update_session(session: Session, changes: dict[str, Any], *, actor: User, reason: str = "") -> Session:
    """Change a session's fields; its capacity and dates under the seat lock.

    Writes the session's history with the acting user; tells the candidates when the dates move
    (in this transaction, through the outbox); offers the new seats to the waiting list after
    commit when the capacity goes up. Raises CapacityBelowSeatsTaken (a ValidationError on the
    ``capacity`` field) when the capacity would fall below the seats taken. The training centre
    changes only EDITABLE_FIELDS (its form's); the admin may change any field of SESSION_FIELDS."""
    unknown = set(changes) - set(SESSION_FIELDS)
    if unknown:
        raise ValueError(f"Not editable through update_session: {sorted(unknown)}")
    with transaction.atomic():
        locked = lock_session(session.pk)
        previous = {field: getattr(locked, field) for field in SESSION_FIELDS}
        if "capacity" in changes and changes["capacity"] < previous["capacity"]:
            _check_capacity_locked(locked, changes["capacity"])
            race_window()
        changed = [field for field, value in changes.items() if previous[field] != value]
        if not changed:
            return locked
        for field in changed:
            setattr(locked, field, changes[field])
        locked.full_clean(exclude=[f.name for f in Session._meta.fields if f.name not in changed])
        locked._history_user = actor
        locked._change_reason = (reason or ", ".join(changed))[:100]  # the history column's size
        with doors.service_write():
            locked.save(update_fields=[*(Session._meta.get_field(f).attname for f in changed), "updated_at"])
        if any(field in changed for field in DATE_FIELDS):
            notifications.notify_session_dates_changed(
                locked, previous_starts_on=previous["starts_on"], previous_ends_on=previous["ends_on"]
            )
        if "capacity" in changed and locked.capacity > previous["capacity"]:
            tasks.fill_freed_seats.delay_on_commit(locked.pk)
    session.refresh_from_db()
    return locked


# --- A session's publication: draft → to validate → published ----------------------------------
# Sessions a training centre creates are drafts of its own; the centre submits them, a municipal
# agent publishes them (or returns them to the centre with a reason). Sessions created in the
# admin by municipal staff are published as they are saved. The one table of these moves:
Publication = Session.Publication
PUBLICATION_MOVES = {
    # name: (from, to, who may: "centre" = the session's structure's staff, "city" = municipal staff)
    "submit": ({Publication.DRAFT}, Publication.TO_VALIDATE, "centre"),
    "publish": ({Publication.DRAFT, Publication.TO_VALIDATE}, Publication.PUBLISHED, "city"),
    "return_to_centre": ({Publication.TO_VALIDATE}, Publication.DRAFT, "city"),
}


class PublicationRefused(TransitionError):
    """A publication move this user may not make, or not from the session's state."""


def programmes_open_to(user: User) -> QuerySet[Programme]:
    """The published programmes whose structures include one of ``user``'s: the only ones under
    which they may propose sessions."""
    return Programme.objects.published().filter(training_providers__memberships__user=user).distinct()


def propose_session(session: Session, *, actor: User) -> Session:
    """A training centre's new session: a draft, under a programme its site's structure belongs to
    (``Programme.training_providers``), on a site of a structure the actor is a member of."""
    site_provider = session.site.provider_id
    if not session.site.provider.memberships.filter(user=actor).exists():
        raise PublicationRefused(_("Ce lieu n'appartient pas à votre structure."))
    if not session.programme.training_providers.filter(pk=site_provider).exists():
        raise PublicationRefused(
            _("La structure de ce lieu ne fait pas partie du programme « %(programme)s ».")
            % {"programme": session.programme.name}
        )
    session.publication = Publication.DRAFT
    return create_session(session, actor=actor)


def move_session_publication(session: Session, name: str, *, actor: User, reason: str = "") -> Session:
    """Move a session's publication (``PUBLICATION_MOVES``) under its row lock; the municipal
    agents are emailed when a centre submits one, the centre's staff when the City decides."""
    sources, target, who = PUBLICATION_MOVES[name]
    with transaction.atomic():
        locked = lock_session(session.pk)
        allowed = (
            actor.is_municipal_staff if who == "city" else locked.site.provider.memberships.filter(user=actor).exists()
        )
        if not allowed:
            raise PublicationRefused(_("Vous ne pouvez pas faire cela pour cette session."))
        if locked.publication == target:
            raise PublicationRefused(
                _("C'est déjà fait : la session est « %(state)s ».") % {"state": locked.get_publication_display()}
            )
        if locked.publication not in sources:
            raise PublicationRefused(
                _("Ce n'est pas possible pour une session « %(state)s ».") % {"state": locked.get_publication_display()}
            )
        locked.publication = target
        locked._history_user = actor
        locked._change_reason = (reason or name)[:100]
        with doors.service_write():
            locked.save(update_fields=["publication", "updated_at"])
        if name == "submit":
            notifications.notify_session_to_validate(locked, submitted_by=actor)
        else:
            notifications.notify_session_publication_decided(locked, decision=name, reason=reason)
    session.publication = locked.publication
    return locked


def delete_session(session: Session, *, actor: User) -> None:
    """Delete a session that no application ever reached (applications protect their session:
    Django raises ProtectedError otherwise, and the admin lists them before asking)."""
    with transaction.atomic(), doors.service_write():
        lock_session(session.pk)
        session.delete()


def promote_waitlist(session_id: int) -> list[Application]:
    """Give the free seats of a session to its waiting list, under the session lock.

    In the programme's automatic mode, the next candidates are offered a seat (as the system);
    in "propose to staff" mode, the structure's staff are told how many seats are free and who is
    next. Idempotent: with no free seat or nobody waiting, it does nothing. Returns the
    applications offered a seat."""
    with transaction.atomic():
        session = lock_session(session_id)
        free = session.capacity - session.seats_taken
        if free <= 0:
            return []
        next_up = list(Application.objects.waiting_list(session.pk)[:free])
        if not next_up:
            return []
        if session.programme.waitlist_mode == Programme.WaitlistMode.PROPOSE_TO_STAFF:
            _propose_to_staff(session, free_seats=free, next_up=next_up)
            return []
        offered = []
        for application in next_up:
            try:
                services.transition(
                    application,
                    "offer_seat",
                    locked_session=session,
                    actor=None,
                    reason=_("Place libérée, proposée au suivant de la liste d'attente."),
                )
            except TransitionError:  # moved meanwhile (withdrawn…): the next run takes the next one
                continue
            offered.append(application)
        logger.info("promote_waitlist session=%s offered=%d", session.pk, len(offered))
        return offered


def _propose_to_staff(session, *, free_seats, next_up):
    notifications.notify_seats_to_propose(session, free_seats=free_seats, next_up=next_up)
    logger.info("promote_waitlist session=%s proposed_to_staff free=%d", session.pk, free_seats)


def overdue_offers(now: datetime.datetime | None = None) -> QuerySet[Application]:
    return Application.objects.filter(status=Status.SEAT_OFFERED, offer_expires_at__lte=now or timezone.now())


def expire_offer(application_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Expire one overdue offer, locking its session first; the seat it frees goes to the waiting
    list after commit (the workflow schedules fill_freed_seats). Returns True when it expired."""
    now = now or timezone.now()
    session_id = Application.objects.filter(pk=application_id).values_list("session_id", flat=True).first()
    if session_id is None:
        return False
    with transaction.atomic():
        session = lock_session(session_id)
        return bool(_expire_overdue_locked(session, now, overdue_offers(now).filter(pk=application_id)))


def _expire_overdue_locked(session, now, offers=None):
    """Expire the session's offers past their deadline; the caller holds the session lock. An
    offer accepted, declined or expired meanwhile is no longer among them. Returns them."""
    offers = overdue_offers(now).filter(session_id=session.pk) if offers is None else offers
    expired = list(offers)
    for application in expired:
        services.transition(
            application, "expire_offer", locked_session=session, actor=None, reason=_("Délai de réponse dépassé.")
        )
    return expired


def expire_overdue_offers(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Expire the offers whose deadline has passed (the beat job). Returns how many expired."""
    now = now or timezone.now()
    ids = list(overdue_offers(now).order_by("offer_expires_at").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if expire_offer(pk, now=now))
