"""Application workflow service: the single way an application changes status.

``transition()`` checks the move against candidates.workflow, checks that the acting user really
holds the role they act in for this application, locks the application row, writes the history
event and schedules side effects (emails through the outbox, screening, waiting-list promotion)
so that they happen only if the transaction commits.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from programmes.models import ProviderMembership

from . import notifications
from .models import Application, ApplicationEvent, Appointment
from .workflow import (
    RETIRED_REFUSAL_REASONS,
    TRANSITIONS,
    TRANSITIONS_BY_NAME,
    VISIBLE_TO_CENTRE_STATUSES,
    Actor,
    RefusalReason,
    Status,
)

# The transitions that come with an appointment (see invite()).
INVITE_KINDS = {"invite_to_test": Appointment.Kind.TEST, "invite_to_interview": Appointment.Kind.INTERVIEW}

# Fields a transition may never receive through ``changes``: the status is the transition's job,
# the rest identify the application.
_PROTECTED_FIELDS = frozenset({"id", "pk", "status", "reference", "candidate", "session", "created_at"})


class TransitionError(Exception):
    """A transition that may not happen; the message is shown to the user as is (translated)."""


class TransitionNotAllowed(TransitionError):
    pass


class TransitionAlreadyDone(TransitionError):
    """The application is already where this transition leads (a double click, a replayed task)."""


def roles_of(user, application, *, centre_member=None):
    """The roles a user holds for one application (None is the system itself).

    Centre staff hold their role only on their own sessions' applications, and only once the
    application is visible to the centre (eligible onwards): screening is the City's business.
    ``centre_member``, when the caller already knows it (``_centre_member_of``), saves the query
    of the user's membership of the session's structure."""
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
    return roles


def _centre_member_of(user, session_id):
    return ProviderMembership.objects.filter(provider__sites__sessions=session_id, user=user)


def transitions_for(user, application):
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


def transition(application, name, *, actor=None, actor_role=None, reason="", **changes):
    """Move ``application`` through the transition called ``name``.

    ``actor`` is the acting user (None for the system); ``actor_role`` says in which role they act
    when they hold several (a municipal agent who is also a candidate). ``changes`` are field values
    written together with the status (``offer_expires_at``, ``refusal_reason``…). Raises
    TransitionAlreadyDone when the application is already in the target status, TransitionNotAllowed
    when the move or the actor is not allowed. Returns the written event.
    """
    return _transition(application, name, actor=actor, actor_role=actor_role, reason=reason, **changes)


def _transition(
    application, name, *, actor=None, actor_role=None, reason="", savepoint=True, locked_session=None, **changes
):
    """transition(); ``savepoint=False`` is for callers whose own atomic block encloses the call
    and lets its exceptions out (offer_seat): no SAVEPOINT/RELEASE round trips. ``locked_session``
    is the application's session, already locked and loaded (with its programme, site and
    structure) by the caller: it is not read again."""
    spec = TRANSITIONS_BY_NAME.get(name)
    if spec is None:
        raise TransitionNotAllowed(_("Action inconnue : %(name)s.") % {"name": name})
    _check_changes(changes)

    with transaction.atomic(savepoint=savepoint):
        if locked_session is not None and locked_session.pk == application.session_id:
            applications = Application.objects.select_for_update(of=("self",)).select_related("candidate")
        else:
            locked_session = None
            applications = Application.objects.select_for_update(of=("self",)).select_related(
                "session__site__provider", "session__programme", "candidate"
            )
        known = actor is not None and actor.is_authenticated
        if known:
            # The actor's membership of the session's structure, read with the row (one query).
            applications = applications.annotate(
                actor_is_centre_member=Exists(_centre_member_of(actor, OuterRef("session_id")))
            )
        locked = applications.get(pk=application.pk)
        if locked_session is not None and locked.session_id == locked_session.pk:
            locked.session = locked_session
        roles = roles_of(actor, locked, centre_member=locked.actor_is_centre_member if known else None)
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
        if spec.name == "accept_offer" and locked.offer_expires_at is not None and locked.offer_expires_at <= now:
            # Checked under the row lock: past its deadline, the seat may already be someone else's.
            raise TransitionNotAllowed(_("Le délai pour répondre à cette proposition est dépassé."))
        locked.status = spec.target
        if spec.target == Status.SUBMITTED and locked.submitted_at is None:
            locked.submitted_at = now
        if spec.target == Status.WAITLISTED:
            locked.waitlisted_at = now
        if source == Status.SEAT_OFFERED and spec.target != Status.SEAT_OFFERED:
            locked.offer_expires_at = None
        if spec.target == Status.SEAT_OFFERED and not changes.get("offer_expires_at"):
            locked.offer_expires_at = now + datetime.timedelta(days=locked.session.programme.offer_deadline_days)
        for field, value in changes.items():
            setattr(locked, field, value)
        # simple-history keeps 100 characters of reason; the event keeps all of it.
        locked._change_reason = Truncator(reason or spec.name).chars(100)
        locked.save()
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

    # Keep the caller's instance in step with the database: the locked row, just saved, is the
    # database's state (copied field by field, without a query).
    _copy_fields(locked, application)
    return TransitionResult(application=application, event=event)


@dataclass(frozen=True)
class Move:
    """One application's move in transition_in_bulk: the status the caller read under its lock."""

    application_id: int
    source: str
    name: str
    reason: str = ""


def transition_in_bulk(moves, *, actor=None, actor_role=None, now=None):
    """Many moves (a re-screening chunk) in a handful of queries, under the same table and the
    same records as transition(): status, event, audit row, notification. The caller holds the
    rows' locks (select_for_update) inside its transaction and gives the status it read.

    Only moves without task side effects belong here (no submission, no seat taken or freed).
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
        if spec.target == Status.SUBMITTED or spec.takes_seat(move.source) or spec.releases_seat(move.source):
            raise ValueError(f"{move.name} has side effects: use transition()")
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
            Application.objects.filter(pk__in=ids).update(status=target, updated_at=now)
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
    return events


def _copy_fields(source, target):
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


def _check_changes(changes):
    """``changes`` come from code, not users: a wrong name is a programming error, said loudly."""
    for field in changes:
        if field in _PROTECTED_FIELDS:
            raise ValueError(f"transition() cannot set {field!r}")
        try:
            Application._meta.get_field(field)
        except FieldDoesNotExist:
            raise ValueError(f"Application has no field {field!r}") from None


def _preferred_role(roles, spec):
    for role in (Actor.SYSTEM, Actor.CANDIDATE, Actor.MUNICIPAL_STAFF, Actor.CENTRE_STAFF):
        if role in roles and role in spec.actors:
            return role
    return next(iter(roles), None)


def _schedule_side_effects(application, spec, source, event):
    # Emails are outbox rows written inside this transaction; tasks leave after commit.
    notifications.notify_transition(event)
    if spec.target == Status.SUBMITTED:
        from .tasks import screen_application

        screen_application.delay_on_commit(application.pk)
    if spec.releases_seat(source):
        from programmes.tasks import fill_freed_seats

        fill_freed_seats.delay_on_commit(application.session_id)


def add_note(note, *, author):
    """Save a new staff note on an application (internal comment or message to the candidate). A
    message to the candidate is also emailed to them, once the surrounding transaction commits."""
    note.author = note.author or author
    note.save()
    notifications.notify_message_to_candidate(note)
    return note


def invite(application, *, kind, starts_at, place, what_to_bring="", actor, actor_role=None, duration_minutes=60):
    """Invite a candidate to a test or an interview: the appointment and the transition are one
    act, so the invitation email (written by the transition) can read the appointment."""
    name = {kind: name for name, kind in INVITE_KINDS.items()}.get(kind)
    if name is None:
        raise TransitionNotAllowed(_("On ne peut convoquer qu'aux tests ou à l'entretien."))
    with transaction.atomic():
        appointment = Appointment.objects.create(
            application=application,
            kind=kind,
            starts_at=starts_at,
            place=place,
            what_to_bring=what_to_bring,
            duration_minutes=duration_minutes,
            created_by=actor,
        )
        result = transition(application, name, actor=actor, actor_role=actor_role)
    return result, appointment


def refuse(application, *, reason, actor, actor_role=None, share_reason=False, message=""):
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


def decide(application, name, *, actor, actor_role=None, **details):
    """Perform a staff decision by transition name with the details its form collected: the one
    entry point of the admin's buttons and bulk actions. Seats go through programmes.services."""
    if name in INVITE_KINDS:
        return invite(application, kind=INVITE_KINDS[name], actor=actor, actor_role=actor_role, **details)[0]
    if name == "refuse":
        return refuse(application, actor=actor, actor_role=actor_role, **details)
    if name == "offer_seat":
        # Seats are decided under the session lock, by programmes.services (which imports us).
        from programmes.services import offer_seat

        return offer_seat(application, actor=actor, actor_role=actor_role, **details)
    return transition(application, name, actor=actor, actor_role=actor_role, **details)
