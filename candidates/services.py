"""Application workflow service: the single way an application changes status.

``transition()`` checks the move against candidates.workflow, checks that the acting user really
holds the role they act in for this application, locks the application row, writes the history
event and schedules side effects (emails through the outbox, screening, waiting-list promotion)
so that they happen only if the transaction commits.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import notifications
from .models import Application, ApplicationEvent
from .workflow import TRANSITIONS_BY_NAME, Actor, Status


class TransitionError(Exception):
    """A transition that may not happen; the message is shown to the user as is (translated)."""


class TransitionNotAllowed(TransitionError):
    pass


class TransitionAlreadyDone(TransitionError):
    """The application is already where this transition leads (a double click, a replayed task)."""


def roles_of(user, application):
    """The roles a user holds for one application."""
    if user is None:
        return {Actor.SYSTEM}
    roles = set()
    if application.candidate_id is not None and application.candidate_id == user.pk:
        roles.add(Actor.CANDIDATE)
    if user.is_authenticated and user.is_municipal_staff:
        roles.add(Actor.MUNICIPAL_STAFF)
    if user.is_authenticated and application.session.site.provider.memberships.filter(user=user).exists():
        roles.add(Actor.CENTRE_STAFF)
    return roles


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
    spec = TRANSITIONS_BY_NAME.get(name)
    if spec is None:
        raise TransitionNotAllowed(_("Action inconnue : %(name)s.") % {"name": name})

    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("session__site__provider", "session__programme", "candidate")
            .get(pk=application.pk)
        )
        roles = roles_of(actor, locked)
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
        locked.status = spec.target
        if spec.target == Status.SUBMITTED and locked.submitted_at is None:
            locked.submitted_at = now
        if spec.target == Status.WAITLISTED:
            locked.waitlisted_at = now
        if source == Status.SEAT_OFFERED and spec.target != Status.SEAT_OFFERED:
            locked.offer_expires_at = None
        for field, value in changes.items():
            setattr(locked, field, value)
        locked._change_reason = reason or spec.name
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

    # Keep the caller's instance in step with the database.
    application.refresh_from_db()
    return TransitionResult(application=application, event=event)


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


def invite(application, *, kind, starts_at, place, what_to_bring="", actor, actor_role=None, duration_minutes=60):
    """Invite a candidate to a test or an interview: the appointment and the transition are one
    act, so the invitation email (written by the transition) can read the appointment."""
    from .models import Appointment

    name = {Appointment.Kind.TEST: "invite_to_test", Appointment.Kind.INTERVIEW: "invite_to_interview"}[kind]
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
    """Refuse an application with a reason; the reason reaches the candidate only if shared."""
    return transition(
        application,
        "refuse",
        actor=actor,
        actor_role=actor_role,
        reason=message or reason,
        refusal_reason=reason,
        refusal_reason_shared=share_reason,
        refusal_message=message,
    )
