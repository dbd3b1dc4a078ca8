"""Application workflow service: the single way an application changes status.

``transition()`` checks the move against candidates.workflow, checks that the acting user really
holds the role they act in for this application, locks the application row, writes the history
event and schedules side effects (emails through the outbox, screening, waiting-list promotion)
so that they happen only if the transaction commits.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from portal import doors
from portal.models import User
from programmes.models import ProviderMembership, Session

# tasks: enqueued after commit (screening after a submission, the waiting list after a freed seat).
# A task wraps a service, so the tasks module imports the services; here it is imported as a module
# and its tasks looked up when a move commits: the one upward import of the app, declared in
# .importlinter (see docs/architecture.md).
from . import locking, notifications, tasks, workflow
from .advisers import emails as adviser_emails
from .models import (
    AdviserMembership,
    Application,
    ApplicationEvent,
    ApplicationMessage,
    Appointment,
    TraineeFollowUp,
)
from .workflow import (
    ADMITTED_STATUSES,
    RETIRED_REFUSAL_REASONS,
    TRANSITIONS,
    TRANSITIONS_BY_NAME,
    VISIBLE_TO_CENTRE_STATUSES,
    Actor,
    RefusalReason,
    Releases,
    Status,
    Transition,
    TransitionAlreadyDone,
    TransitionError,
    TransitionNotAllowed,
)

# The transitions that come with an appointment (see invite()).
INVITE_KINDS = {"invite_to_test": Appointment.Kind.TEST, "invite_to_interview": Appointment.Kind.INTERVIEW}


def roles_of(
    user: User | None,
    application: Application,
    *,
    centre_member: bool | None = None,
    adviser: bool | None = None,
) -> set[str]:
    """The roles a user holds for one application (None is the system itself).

    Centre staff hold their role only on their own sessions' applications, and only once the
    application is visible to the centre (eligible onwards): screening is the City's business.
    Advisers hold theirs on the applications their organisation prepared, while they are members
    and the person has not withdrawn the organisation's access. ``centre_member`` and ``adviser``,
    when the caller already knows them (``_centre_member_of``, ``_adviser_of``), save a query each."""
    if user is None:
        return {Actor.SYSTEM}
    roles = set()
    if not user.is_authenticated or not user.is_active:
        return roles
    if application.candidate_id is not None and application.candidate_id == user.pk:
        # An agent who applies is only a candidate on their own application: no self-decisions.
        return {Actor.CANDIDATE}
    if user.is_municipal_staff:
        roles.add(Actor.MUNICIPAL_STAFF)
    if application.status in VISIBLE_TO_CENTRE_STATUSES and (
        centre_member if centre_member is not None else _centre_member_of(user, application.session_id).exists()
    ):
        roles.add(Actor.CENTRE_STAFF)
    if application.oriented_by_id is not None and (
        adviser
        if adviser is not None
        else _adviser_of(user, application.oriented_by_id, application.candidate_id).exists()
    ):
        roles.add(Actor.ADVISER)
    return roles


def _centre_member_of(user, session_id):
    return ProviderMembership.objects.filter(provider__sites__sessions=session_id, user=user)


def _adviser_of(user, organisation_id, person_id):
    """The user's current membership of the organisation, if the person still lets it follow them."""
    return AdviserMembership.objects.active().filter(
        user=user,
        organisation=organisation_id,
        organisation__supports__person=person_id,
        organisation__supports__withdrawn_at__isnull=True,
    )


def transitions_for(user: User, application: Application) -> list[tuple[Transition, str]]:
    """The transitions ``user`` may trigger on ``application`` now, each with the role used:
    what the admin and the centre pages show as buttons."""
    roles = roles_of(user, application)
    choices = []
    for spec in TRANSITIONS:
        if application.status not in spec.sources:
            continue
        role = _preferred_role(roles, spec)
        if role in roles and role in spec.actors:
            choices.append((spec, role))
    return choices


@dataclass(frozen=True)
class TransitionResult:
    application: Application
    event: ApplicationEvent


def transition(
    application: Application,
    name: str,
    *,
    actor: User | None = None,
    actor_role: str | None = None,
    reason: str = "",
    savepoint: bool = True,
    locked_session: Session | None = None,
    already_locked: bool = False,
    **changes: Any,
) -> TransitionResult:
    """Move ``application`` through the transition called ``name``.

    ``actor`` is the acting user (None for the system); ``actor_role`` says in which role they act
    when they hold several (a municipal agent who is also a candidate). ``changes`` are field values
    written together with the status, among those the target status accepts
    (``workflow.STATUS_FIELDS``: an offer's deadline, a refusal's reason…); what each status sets or
    clears by itself is declared there too. Raises TransitionAlreadyDone when the application is
    already in the target status, TransitionNotAllowed when the move or the actor is not allowed.

    A move in or out of a status that the session's seat figures count (workflow.SEAT_COUNTERS)
    locks the session row before the application's and updates the figures in the same
    transaction. ``locked_session`` is the application's session, already locked and loaded (with
    its programme, site and structure) by the caller (the seat service): it is not read again, and
    its figures are kept in step. ``savepoint=False`` is for callers whose own atomic block encloses
    the call and lets its exceptions out: no SAVEPOINT/RELEASE round trips. ``already_locked=True``
    says that ``application`` is the row as the caller read it under its lock
    (``locking.for_update``, with its session's programme and site and its candidate) in the
    transaction that encloses this call: it is not read again (a submission checks the file under
    that lock first). Only for moves that take no lock before the application's (no seat figures,
    no ranking): those locks must come first. Returns the application and the written event.
    """
    spec = TRANSITIONS_BY_NAME.get(name)
    if spec is None:
        raise TransitionNotAllowed(_("Action inconnue : %(name)s.") % {"name": name})
    workflow.check_changes(spec.target, changes)
    reaches_ranking = application.candidate_id is not None and (
        spec.releases is not Releases.NOTHING or spec.target == Status.SEAT_OFFERED
    )
    if already_locked and (
        reaches_ranking or spec.moves_seat_counters or not transaction.get_connection().in_atomic_block
    ):
        raise ValueError(f"{name}: it locks rows before the application's, or the caller holds no transaction")

    with transaction.atomic(savepoint=savepoint):
        if locked_session is not None and locked_session.pk != application.session_id:
            locked_session = None
        ranking_sessions = {}
        if reaches_ranking and spec.releases is not Releases.NOTHING:
            # Every session of the person's ranking, in id order, before any application row: the
            # wishes this move releases free seats there (candidates.locking).
            ranking_sessions = locking.lock_sessions(_ranking_session_ids(application))
            locked_session = ranking_sessions[application.session_id]
        if reaches_ranking:
            # Then the ranking's rows, in id order: two moves on the same person's wishes (two offers,
            # an offer and an acceptance) wait for each other instead of deadlocking.
            locking.lock_ranking(_ranking(application.candidate_id, application.session_id))
        if locked_session is None and spec.moves_seat_counters:
            # The session row first, then the application's: the one lock order (candidates.locking).
            locked_session = locking.lock_session(application.session_id)
        known = actor is not None and actor.is_authenticated
        if already_locked:
            # Read under its lock by the caller, in this transaction (the actor's memberships, if
            # roles_of needs them, are read on their own).
            locked, known = application, False
        else:
            if locked_session is not None:
                applications = Application.objects.select_related("candidate")
            else:
                applications = Application.objects.select_related(
                    "session__site__provider", "session__programme", "candidate"
                )
            applications = locking.for_update(applications)
            if known:
                # The actor's membership of the session's structure, read with the row (one query).
                applications = applications.annotate(
                    actor_is_centre_member=Exists(_centre_member_of(actor, OuterRef("session_id"))),
                    actor_is_adviser=Exists(_adviser_of(actor, OuterRef("oriented_by_id"), OuterRef("candidate_id"))),
                )
            locked = applications.get(pk=application.pk)
        if locked_session is not None and locked.session_id == locked_session.pk:
            locked.session = locked_session
        roles = roles_of(
            actor,
            locked,
            centre_member=locked.actor_is_centre_member if known else None,
            adviser=locked.actor_is_adviser if known else None,
        )
        role = actor_role or _preferred_role(roles, spec)
        if role not in roles or role not in spec.actors:
            raise TransitionNotAllowed(
                _("Vous ne pouvez pas effectuer l'action « %(action)s » sur cette candidature.")
                % {"action": spec.label}
            )
        source = locked.status
        if source == spec.target:
            raise TransitionAlreadyDone(
                _("C'est déjà fait : la candidature est au statut « %(status)s ».")
                % {"status": locked.get_status_display()}
            )
        if source not in spec.sources:
            raise TransitionNotAllowed(
                _("L'action « %(action)s » n'est pas possible pour une candidature au statut « %(status)s ».")
                % {"action": spec.label, "status": locked.get_status_display()}
            )

        now = timezone.now()
        answering = source == Status.SEAT_OFFERED and spec.target in ADMITTED_STATUSES
        if answering and locked.offer_expires_at is not None and locked.offer_expires_at <= now:
            # Checked under the row lock: past its deadline, the seat may already be someone else's.
            raise TransitionNotAllowed(_("Le délai pour répondre à cette proposition est dépassé."))
        if reaches_ranking:
            locking.race_window()
        if spec.releases is Releases.LOWER and not _higher_wishes(locked).exists():
            raise TransitionNotAllowed(
                _("Aucun vœu mieux classé n'est encore en attente : acceptez la place, ou refusez-la.")
            )
        if spec.target == Status.SUBMITTED and locked.wish_rank is None:
            locked.wish_rank = _next_wish_rank(locked)
        locked.status = spec.target
        for field, value in workflow.field_changes(locked, source, spec.target, now=now, changes=changes).items():
            setattr(locked, field, value)
        # simple-history keeps 100 characters of reason; the event keeps all of it.
        locked._change_reason = Truncator(reason or spec.name).chars(100)
        # The history's author is the transition's actor, never whoever's request happens to run it
        # (an eager screening inside the candidate's request was signed with the candidate's name):
        # None for the system, as the timeline says.
        locked._history_user = actor if actor is not None and actor.is_authenticated else None
        with doors.service_write():
            locked.save()
        _move_seat_counters(locked_session, spec.counter_changes(source))
        event = ApplicationEvent.objects.create(
            application=locked,
            transition=spec.name,
            from_status=source,
            to_status=spec.target,
            actor=actor,
            actor_role=role,
            reason=reason,
            created_at=now,
        )
        _schedule_side_effects(locked, spec, source, event)
        if spec.releases is not Releases.NOTHING and locked.candidate_id is not None:
            released = _release_wishes(locked, spec, ranking_sessions)
            notifications.notify_wishes_answered(event, released=released)

    # Keep the caller's instance in step with the database: the locked row, just saved, is the
    # database's state (copied field by field, without a query).
    copy_fields(locked, application)
    return TransitionResult(application=application, event=event)


# --- Ranked wishes: what an acceptance releases ------------------------------------------------


def _ranking(candidate_id, session_id):
    """The person's sent applications to the programme of ``session_id`` (their wishes, whatever
    their status: one that comes back from « non éligible » is in the ranking too)."""
    return Application.objects.filter(
        candidate_id=candidate_id, session__programme__sessions=session_id, wish_rank__isnull=False
    )


def _ranking_session_ids(application):
    ids = set(
        _ranking(application.candidate_id, application.session_id)
        .filter(status__in=workflow.ACTIVE_STATUSES)
        .values_list("session_id", flat=True)
    )
    return ids | {application.session_id}


def _higher_wishes(application):
    """The person's active wishes ranked above ``application`` in its programme."""
    if application.wish_rank is None:
        return Application.objects.none()
    return Application.objects.ranking_of(application.candidate_id, application.session.programme_id).filter(
        wish_rank__lt=application.wish_rank
    )


def programme_standing(application):
    """The person's other applications to the programme of ``application``: how many are active
    (the programme's limit) and the rank a new wish takes there (what ``_next_wish_rank`` gives),
    in one query: a submission checks the one and takes the other."""
    figures = (
        Application.objects.filter(
            candidate_id=application.candidate_id, session__programme_id=application.session.programme_id
        )
        .exclude(pk=application.pk)
        .aggregate(active=Count("pk", filter=Q(status__in=workflow.ACTIVE_STATUSES)), last=Max("wish_rank"))
    )
    return figures["active"], (figures["last"] or 0) + 1


def _next_wish_rank(application):
    """After the person's last wish in the programme: applications rank in the order they are sent."""
    return programme_standing(application)[1]


def _release_wishes(application, spec, ranking_sessions):
    """Withdraw the wishes that ``spec`` releases (all the others, or those ranked below), each
    through the workflow (its seat or waiting place freed under its session's lock, the waiting list
    moving after commit). The caller holds the ranking's locks. Returns ``(application, status it
    had)`` for each, released."""
    others = Application.objects.ranking_of(application.candidate_id, application.session.programme_id).exclude(
        pk=application.pk
    )
    if spec.releases is Releases.LOWER:
        others = others.filter(wish_rank__gt=application.wish_rank)
    reason = _("Vœu libéré : la personne a accepté une place dans un vœu mieux classé ou définitivement.")
    released = []
    for other in others.select_related("session__programme", "session__site").order_by("wish_rank", "pk"):
        previous = other.status
        transition(
            other,
            "release_wish",
            actor=None,
            reason=reason,
            savepoint=False,
            locked_session=ranking_sessions.get(other.session_id),
        )
        released.append((other, previous))
    return released


@dataclass(frozen=True)
class Move:
    """One application's move in transition_in_bulk: the status the caller read under its lock."""

    application_id: int
    source: str
    name: str
    reason: str = ""


def transition_in_bulk(
    moves: Iterable[Move],
    *,
    actor: User | None = None,
    actor_role: str | None = None,
    now: datetime.datetime | None = None,
) -> list[ApplicationEvent]:
    """Many moves (a re-screening chunk) in a handful of queries, under the same table and the
    same records as transition(): status, event, audit row, notification. The caller holds the
    rows' locks (select_for_update) inside its transaction and gives the status it read.

    Only moves without task side effects belong here (no submission, nothing that a session's
    seat figures count: no seat taken or freed, no waiting list).
    Moves the table forbids from their source or for the role are skipped. Returns the events."""
    role = actor_role or (Actor.SYSTEM if actor is None else Actor.MUNICIPAL_STAFF)
    if (actor is None) != (role == Actor.SYSTEM) or (actor is not None and not actor.is_municipal_staff):
        raise TransitionNotAllowed(
            _("Seule l'équipe municipale ou le système peuvent traiter des candidatures en lot.")
        )
    now = now or timezone.now()
    allowed = []
    for move in moves:
        spec = TRANSITIONS_BY_NAME[move.name]
        if move.source not in spec.sources or role not in spec.actors:
            continue
        if spec.target == Status.SUBMITTED or spec.counter_changes(move.source):
            raise ValueError(f"{move.name} has side effects (a task, a session's seats): use transition()")
        allowed.append(move)
    if not allowed:
        return []
    # No savepoint: the caller's transaction (holding the locks) is the unit of work.
    with transaction.atomic(savepoint=False):
        applications = Application.objects.select_related("candidate", "session__programme", "session__site").in_bulk(
            [move.application_id for move in allowed]
        )
        # An agent is only a candidate on their own application (see roles_of).
        allowed = [m for m in allowed if actor is None or applications[m.application_id].candidate_id != actor.pk]
        by_target = {}
        for move in allowed:
            target = TRANSITIONS_BY_NAME[move.name].target
            by_target.setdefault(target, []).append(move.application_id)
            applications[move.application_id].status = target
        for target, ids in by_target.items():
            # The people are known (read above): their « Mes candidatures » bumped without a query.
            people = {applications[pk].candidate_id for pk in ids}
            Application.objects.filter(pk__in=ids).of_people(people).update(status=target, updated_at=now)
        events = ApplicationEvent.objects.bulk_create(
            ApplicationEvent(
                application=applications[move.application_id],
                transition=move.name,
                from_status=move.source,
                to_status=TRANSITIONS_BY_NAME[move.name].target,
                actor=actor,
                actor_role=role,
                reason=move.reason,
                created_at=now,
            )
            for move in allowed
        )
        by_name = {}
        for move in allowed:
            by_name.setdefault(move.name, []).append(applications[move.application_id])
        for name, objects in by_name.items():
            Application.history.bulk_history_create(
                objects, update=True, default_user=actor, default_change_reason=name
            )
        notifications.notify_transitions(events)
        adviser_emails.notify_advisers(events)
    return events


def copy_fields(source, target):
    """What refresh_from_db() would give ``target``, taken from ``source`` (the same row, fresh)."""
    if target is source:
        return
    target.__dict__.pop("_prefetched_objects_cache", None)
    for field in Application._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
        if field.is_relation and field.is_cached(target):
            field.delete_cached_value(target)
    for field in (*Application._meta.related_objects, *Application._meta.private_fields):
        if field.is_relation and field.is_cached(target):
            field.delete_cached_value(target)
    target._state.adding = False
    target._state.db = source._state.db


def _move_seat_counters(session, changes):
    """Apply a move's changes to the session's seat figures, in the database and on the locked
    instance (callers read it again: the waiting list, the offer's recheck)."""
    if not changes:
        return
    Session.objects.filter(pk=session.pk).update(**{field: F(field) + delta for field, delta in changes.items()})
    for field, delta in changes.items():
        setattr(session, field, getattr(session, field) + delta)


def _preferred_role(roles, spec):
    for role in (Actor.SYSTEM, Actor.CANDIDATE, Actor.MUNICIPAL_STAFF, Actor.CENTRE_STAFF, Actor.ADVISER):
        if role in roles and role in spec.actors:
            return role
    return next(iter(roles), None)


def _schedule_side_effects(application, spec, source, event):
    # Emails are outbox rows written inside this transaction; tasks leave after commit.
    notifications.notify_transition(event)
    adviser_emails.notify_advisers([event])
    if spec.target == Status.SUBMITTED:
        tasks.screen_application.delay_on_commit(application.pk)
    if spec.releases_seat(source):
        tasks.fill_freed_seats.delay_on_commit(application.session_id)
    if spec.target == Status.ENROLLED:
        # The ESF counts participants from their situation at entry: fixed now, with the move.
        with doors.service_write():
            TraineeFollowUp.objects.open_for(application)


def add_note(note: ApplicationMessage, *, author: User) -> ApplicationMessage:
    """Save a new staff note on an application (internal comment or message to the candidate). A
    message to the candidate is also emailed to them, once the surrounding transaction commits."""
    note.author = note.author or author
    note.save()
    notifications.notify_message_to_candidate(note)
    return note


class MessageNotAllowed(Exception):
    """The candidate cannot write about this application (a draft, or one they withdrew)."""


def write_to_centre(
    application: Application,
    *,
    author: User,
    topic: str,
    body: str,
    appointment: Appointment | None = None,
) -> ApplicationMessage:
    """A candidate's message about their application: « je ne pourrai pas venir » or a question.
    It is kept on the application (the centre space and the admin show it) and emailed, once the
    transaction commits, to whoever handles the application now: the centre's team once the
    application is visible to the centre, the municipal team before."""
    if application.candidate_id != author.pk or application.status == Status.DRAFT:
        raise MessageNotAllowed(_("Vous ne pouvez pas écrire au sujet de cette candidature."))
    if appointment is not None and appointment.application_id != application.pk:
        raise MessageNotAllowed(_("Ce rendez-vous ne concerne pas cette candidature."))
    with transaction.atomic():
        message = ApplicationMessage.objects.create(
            application=application,
            visibility=ApplicationMessage.Visibility.FROM_CANDIDATE,
            author=author,
            topic=topic,
            body=body.strip(),
            appointment=appointment,
        )
        notifications.notify_message_from_candidate(message)
    return message


def invite(
    application: Application,
    *,
    kind: str,
    starts_at: datetime.datetime,
    place: str,
    what_to_bring: str = "",
    actor: User,
    actor_role: str | None = None,
    duration_minutes: int = 60,
) -> tuple[TransitionResult, Appointment]:
    """Invite a candidate to a test or an interview: the appointment and the transition are one
    act, so the invitation email (written by the transition) can read the appointment."""
    name = {kind: name for name, kind in INVITE_KINDS.items()}.get(kind)
    if name is None:
        raise TransitionNotAllowed(_("On ne peut convoquer qu'aux tests ou à l'entretien."))
    with transaction.atomic(), doors.service_write():
        # The session first (an invitation can take someone off the waiting list): the appointment's
        # insert already holds a share lock on the application, which must come after it.
        session = locking.lock_session(application.session_id)
        appointment = Appointment.objects.create(
            application=application,
            kind=kind,
            starts_at=starts_at,
            place=place,
            what_to_bring=what_to_bring,
            duration_minutes=duration_minutes,
            created_by=actor,
        )
        result = transition(application, name, actor=actor, actor_role=actor_role, locked_session=session)
    return result, appointment


def refuse(
    application: Application,
    *,
    reason: str,
    actor: User,
    actor_role: str | None = None,
    share_reason: bool = False,
    message: str = "",
) -> TransitionResult:
    """Refuse an application with a reason; the reason and the message reach the candidate only
    if shared (``share_reason``). Retired reasons cannot be chosen any more."""
    if reason not in RefusalReason.values or reason in RETIRED_REFUSAL_REASONS:
        raise TransitionNotAllowed(_("Ce motif de refus n'est plus proposé : choisissez-en un autre."))
    label = RefusalReason(reason).label
    return transition(
        application,
        "refuse",
        actor=actor,
        actor_role=actor_role,
        reason=f"{label} — {message}" if message else str(label),
        refusal_reason=reason,
        refusal_reason_shared=share_reason,
        refusal_message=message if share_reason else "",
    )


class OutcomeNotAllowed(TransitionError):
    """The user may not record this appointment's outcome (not theirs, or not held yet)."""


def outcome_too_early(appointment: Appointment) -> str:
    """Why a result cannot be recorded yet: the test or interview has not taken place."""
    return _("Le résultat se saisit après le rendez-vous, qui a lieu le %(date)s.") % {
        "date": formats.date_format(timezone.localtime(appointment.starts_at), "j F Y à H:i")
    }


def record_outcome(
    appointment: Appointment,
    *,
    outcome: str,
    score: Decimal | None = None,
    comment: str = "",
    actor: User,
) -> Appointment:
    """Record the outcome of a test or an interview (result, optional score, comment), with who
    recorded it and when: the one way an appointment changes once created (by invite()).

    Staff only: municipal staff, or the session's training centre once the application is theirs
    to see; anyone else gets OutcomeNotAllowed. The appointment row is locked while it is written,
    so two staff members saving at once leave the last complete record, never a mix."""
    if outcome not in Appointment.Outcome.values:
        raise ValueError(f"Unknown outcome {outcome!r}")
    with transaction.atomic():
        locked = (
            Appointment.objects.select_for_update(of=("self",)).select_related("application").get(pk=appointment.pk)
        )
        if not roles_of(actor, locked.application) & {Actor.MUNICIPAL_STAFF, Actor.CENTRE_STAFF}:
            raise OutcomeNotAllowed(_("Vous ne pouvez pas saisir le résultat de cette convocation."))
        if outcome != Appointment.Outcome.PENDING and locked.starts_at > timezone.now():
            raise OutcomeNotAllowed(outcome_too_early(locked))
        locked.outcome, locked.score, locked.comment = outcome, score, comment
        locked.recorded_by, locked.recorded_at = actor, timezone.now()
        with doors.service_write():
            locked.save(update_fields=["outcome", "score", "comment", "recorded_by", "recorded_at"])
    for field in ("outcome", "score", "comment", "recorded_by_id", "recorded_at"):
        setattr(appointment, field, getattr(locked, field))
    return appointment
