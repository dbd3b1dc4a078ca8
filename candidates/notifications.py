"""Which emails the application workflow produces, and what they say.

Called inside the business transaction (``notify_transition`` by candidates.services.transition,
``notify_session_dates_changed`` and ``notify_seats_to_propose`` by candidates.seats); the beat's
reminders and digests are in candidates.reminders. Everything here writes outbox rows through
``portal.outbox.queue_email`` and never sends directly; each row's idempotency key says which fact
it reports, so that a replayed task or a second run of a job never queues the same email twice.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import prefetch_related_objects
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from portal.models import User
from portal.outbox import queue_email, queue_emails
from programmes.models import ProviderMembership

from .criteria import candidate_reasons, explained
from .models import Application, ApplicationDocument, CandidateProfile, ScreeningOutcome
from .workflow import ACTIVE_STATUSES, VISIBLE_TO_CENTRE_STATUSES, RefusalReason, Status

logger = logging.getLogger(__name__)


# --- Links ------------------------------------------------------------------------------------


def first_url(candidates, default="/"):
    """The absolute URL of the first URL name that exists (pages built by other parts of the
    portal may be named differently or not exist yet); the home page otherwise."""
    for name, args in candidates:
        try:
            return settings.SITE_URL + reverse(name, args=args)
        except NoReverseMatch:
            continue
    return settings.SITE_URL + default


def application_url(application):
    return first_url(
        [
            ("candidates:application_detail", [application.reference]),
            ("candidates:application_list", []),
        ]
    )


def _base_context(application):
    session = application.session
    return {
        "application": application,
        "session": session,
        "programme": session.programme,
        "application_url": application_url(application),
    }


def candidate_email(application, *, kind, template, key, why="application", attachment=None, **context):
    """The ``queue_email`` arguments of an email to the application's candidate (None when the
    application was anonymised: nobody to write to)."""
    if application.candidate_id is None:
        return None
    return {
        "kind": kind,
        "to": application.candidate,
        "template": template,
        "idempotency_key": key,
        "context": {**_base_context(application), **context},
        "why": why,
        "application": application,
        "attachment": attachment,
    }


def queue_all(specs):
    return len(queue_emails([spec for spec in specs if spec is not None]))


# --- Application events ----------------------------------------------------------------------


def notify_transition(event):
    """Queue the email due for this application event (received, screening outcome, invitation,
    seat offered, waiting list, refusal). Events that need no email are ignored."""
    spec = _email_for(event)
    return queue_email(**spec) if spec is not None else None


def notify_transitions(events):
    """``notify_transition`` for a batch of events (bulk re-screening): a constant number of
    queries whatever the batch size. Returns how many emails were queued."""
    events = list(events)
    prefetch_related_objects([event.application for event in events], "current_screening")
    return queue_all(_email_for(event) for event in events)


def _email_for(event):
    handler = _EVENT_HANDLERS.get(event.transition)
    return handler(event.application, event) if handler is not None else None


def _received(application, event):
    return candidate_email(
        application, kind="application_received", template="application_received", key=f"event:{event.pk}"
    )


def _screening(application, event):
    outcome = {
        "mark_eligible": "eligible",
        "mark_not_eligible": "not_eligible",
        "mark_to_be_checked": "to_be_checked",
    }[event.transition]
    # Rendering happens in the recipient's language; the screening criteria are read there.
    return candidate_email(
        application,
        kind=f"screening_{outcome}",
        template=f"screening_{outcome}",
        key=f"event:{event.pk}",
        **ScreeningExplanation(application.current_screening, outcome).as_context(),
    )


class ScreeningExplanation:
    """What a screening email explains: the criteria not met or still to check, and the documents
    and answers they need, read from the stored screening by ``candidates.criteria`` (the one
    reader of what a screening stored). Read lazily, in the template, hence in the recipient's
    language; a missing or partial screening gives fewer details, never an error."""

    def __init__(self, screening, outcome):
        self.screening = screening if screening is not None and screening.outcome == outcome else None

    def as_context(self):
        if self.screening is None or self.screening.outcome == ScreeningOutcome.ELIGIBLE:
            return {}
        return {"reasons": _Lazy(self.reasons), "documents": _Lazy(self.documents), "answers": _Lazy(self.answers)}

    def reasons(self):
        return [reason for reason in candidate_reasons(self.screening, get_language()) if reason]

    def documents(self):
        labels = []
        for criterion in explained(self.screening):
            for kind in criterion.documents:
                label = ApplicationDocument.Kind(kind).label if kind in ApplicationDocument.Kind.values else kind
                if label not in labels:
                    labels.append(label)
        return labels

    def answers(self):
        labels = []
        for criterion in explained(self.screening):
            for need in criterion.answers:
                try:
                    label = CandidateProfile._meta.get_field(need).verbose_name
                except FieldDoesNotExist:
                    continue
                if label not in labels:
                    labels.append(label)
        return labels


class _Lazy:
    """A list computed when the template iterates over it (under the recipient's language)."""

    def __init__(self, func):
        self.func = func

    def __iter__(self):
        return iter(self.func())

    def __bool__(self):
        return bool(self.func())


def _invitation(application, event):
    appointment = application.appointments.order_by("-created_at", "-pk").first()
    if appointment is None:
        logger.warning("notifications: application %s invited without an appointment", application.pk)
        return None
    if application.candidate_id is None:
        return None
    ics = appointment_ics(appointment, language=application.candidate.language)
    return candidate_email(
        application,
        kind=f"invitation_{appointment.kind}",
        template="invitation",
        key=f"event:{event.pk}",
        appointment=appointment,
        attachment=("convocation.ics", ics, "text/calendar"),
    )


def appointment_ics(appointment, *, language):
    """An iCalendar invitation (RFC 5545) for a test or interview, in the candidate's language."""
    session = appointment.application.session
    site = session.site
    with translation.override(language):
        summary = f"{appointment.get_kind_display()} — {session.name}"
        lines = [str(appointment.what_to_bring or "")]
        contact = " — ".join(value for value in (site.contact_phone, site.contact_email) if value)
        if contact:
            lines.append(
                _("Contact du centre (%(provider)s) : %(contact)s")
                % {"provider": site.provider.name, "contact": contact}
            )
        description = "\n\n".join(line for line in lines if line)
    calendar = Calendar()
    calendar.add("prodid", "-//Portail des formations numériques//Convocations//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    event.add("uid", f"appointment-{appointment.pk}@{domain}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.starts_at + datetime.timedelta(minutes=appointment.duration_minutes))
    event.add("summary", summary)
    event.add("location", appointment.place)
    if description:
        event.add("description", description)
    calendar.add_component(event)
    return calendar.to_ical().decode()


def _seat_offered(application, event):
    return candidate_email(
        application,
        kind="seat_offered",
        template="seat_offered",
        key=f"event:{event.pk}",
        deadline=application.offer_expires_at,
        # A better wish offered while the person holds (or is offered) a seat in a lower one: they
        # choose between the two before the deadline (read under the ranking's locks, in the offer's
        # transaction: candidates.services.transition).
        choice_with=list(_lower_wishes_holding_a_seat(application)),
    )


def _lower_wishes_holding_a_seat(application):
    if application.wish_rank is None or application.candidate_id is None:
        return Application.objects.none()
    return (
        Application.objects.ranking_of(application.candidate_id, application.session.programme_id)
        .filter(wish_rank__gt=application.wish_rank, status__in=(Status.SEAT_HELD, Status.SEAT_OFFERED))
        .select_related("session")
        .order_by("wish_rank")
    )


def notify_wishes_answered(event, *, released):
    """The email after a seat accepted for good, held « en attendant mieux », or a training
    started: what the person keeps, which wishes were released and why, which better wishes are
    still in play and what to do. ``released``: ``(application, status it had)`` pairs. An
    acceptance that released nothing needs no email (the page said it); a seat held always gets
    one (it explains what happens next)."""
    application = event.application
    held = event.transition == "hold_offer"
    if not released and not held:
        return None
    higher = []
    if held:
        higher = list(
            Application.objects.ranking_of(application.candidate_id, application.session.programme_id)
            .filter(wish_rank__lt=application.wish_rank)
            .select_related("session")
            .order_by("wish_rank")
        )
    spec = candidate_email(
        application,
        kind="wish_held" if held else "wishes_released",
        template="wishes_answered",
        key=f"event:{event.pk}",
        held=held,
        higher=higher,
        released=[{"session": other.session, "status": status} for other, status in released],
    )
    return queue_email(**spec) if spec is not None else None


def waitlist_position(application):
    """1-based rank in the session's waiting list, in the order seats are offered
    (``Application.objects.waiting_list``)."""
    ids = list(Application.objects.waiting_list(application.session_id).values_list("pk", flat=True))
    return ids.index(application.pk) + 1 if application.pk in ids else len(ids) + 1


def _waitlisted(application, event):
    return candidate_email(
        application,
        kind="waitlisted",
        template="waitlisted",
        key=f"event:{event.pk}",
        position=waitlist_position(application),
    )


def _refused(application, event):
    return candidate_email(
        application,
        kind="refusal",
        template="refusal",
        key=f"event:{event.pk}",
        # The lazy label, so that it renders in the candidate's language, not the actor's.
        reason=RefusalReason(application.refusal_reason).label if application.refusal_reason_shared else "",
        message=application.refusal_message,
    )


_EVENT_HANDLERS = {
    "submit": _received,
    "confirm": _received,  # the person confirmed what an adviser prepared with them: it is sent
    "mark_eligible": _screening,
    "mark_not_eligible": _screening,
    "mark_to_be_checked": _screening,
    "invite_to_test": _invitation,
    "invite_to_interview": _invitation,
    "offer_seat": _seat_offered,
    "waitlist": _waitlisted,
    "refuse": _refused,
}


# --- Messages --------------------------------------------------------------------------------


def notify_message_to_candidate(message):
    """Tell the candidate that staff wrote to them (the message itself, and where to find it).
    Internal comments never leave the staff. Once per message."""
    if message.visibility != message.Visibility.TO_CANDIDATE:
        return None
    spec = candidate_email(
        message.application,
        kind="message_to_candidate",
        template="message_to_candidate",
        key=f"message:{message.pk}",
        message=message,
    )
    return queue_email(**spec) if spec is not None else None


def notify_message_from_candidate(message):
    """Email a candidate's message to the training centre's team once the centre sees the
    application (VISIBLE_TO_CENTRE_STATUSES), to the municipal team's mailbox before: the people
    who can act on « je ne pourrai pas venir ». One email per message and recipient."""
    application = message.application
    session = application.session
    context = {
        "message": message,
        "application": application,
        "session": session,
        "candidate": application.candidate,
        "profile": getattr(application.candidate, "candidate_profile", None),
    }
    if application.status in VISIBLE_TO_CENTRE_STATUSES:
        members = ProviderMembership.objects.filter(
            provider__sites__sessions=session, user__is_active=True
        ).select_related("user")
        url = first_url([("centre:application_detail", [application.pk])])
        specs = [
            {
                "kind": "message_from_candidate",
                "to": membership.user,
                "template": "message_from_candidate",
                "idempotency_key": f"message_from_candidate:{message.pk}:{membership.user_id}",
                "why": "centre_staff",
                "application": application,
                "context": {**context, "application_staff_url": url},
            }
            for membership in members
        ]
    else:
        specs = [
            {
                "kind": "message_from_candidate",
                "to": settings.CONTACT_EMAIL,
                "language": settings.LANGUAGE_CODE,
                "template": "message_from_candidate",
                "idempotency_key": f"message_from_candidate:{message.pk}:team",
                "why": "contact",
                "application": application,
                "context": {
                    **context,
                    "application_staff_url": first_url([("admin:candidates_application_change", [application.pk])]),
                },
            }
        ]
    return len(queue_emails(specs))


# --- Session changes -------------------------------------------------------------------------


def notify_session_dates_changed(session, *, previous_starts_on, previous_ends_on):
    """Tell the session's active applicants that its dates moved (cannot be turned off: it may
    change whether they can attend)."""
    if (session.starts_on, session.ends_on) == (previous_starts_on, previous_ends_on):
        return 0
    applications = (
        Application.objects.filter(session=session, status__in=ACTIVE_STATUSES, candidate__isnull=False)
        .select_related("candidate", "session__programme", "session__site")
        .order_by("pk")
    )
    return queue_all(
        candidate_email(
            application,
            kind="session_dates_changed",
            template="session_dates_changed",
            key=f"session_dates:{session.pk}:{application.pk}:{session.starts_on}:{session.ends_on}",
            why="session",
            previous_starts_on=previous_starts_on,
            previous_ends_on=previous_ends_on,
        )
        for application in applications
    )


# --- Seats freed, left to the centre's staff (candidates.seats.promote_waitlist) -----------------


def notify_seats_to_propose(session, *, free_seats, next_up):
    """Tell a structure's staff that seats are free on a session whose programme leaves waiting-list
    offers to them. One email per member and per situation (free seats and who is next): a
    replayed promotion task queues nothing new."""
    situation = f"{free_seats}:{'-'.join(str(application.pk) for application in next_up)}"
    return email_session_staff(
        session, kind="seats_to_propose", key=situation, free_seats=free_seats, waiting=len(next_up)
    )


def email_session_staff(session, *, kind, key, **context):
    """One email ``kind`` (its template of the same name) to each active member of the session's
    structure, idempotent per member and ``key``; returns how many were queued."""
    members = ProviderMembership.objects.filter(provider__sites__sessions=session, user__is_active=True).select_related(
        "user"
    )
    return len(
        queue_emails(
            dict(  # noqa: C408 - the keyword arguments of queue_email
                kind=kind,
                to=membership.user,
                template=kind,
                idempotency_key=f"{kind}:{session.pk}:{membership.user_id}:{key}",
                why="centre_staff",
                context={
                    "session": session,
                    "provider": session.site.provider,
                    "session_url": first_url([("centre:session_detail", [session.pk])]),
                    **context,
                },
            )
            for membership in members
        )
    )


# --- A session's publication (candidates.seats.move_session_publication) -------------------------


def notify_session_to_validate(session, *, submitted_by):
    """Ask the municipal agents to publish a session a training centre proposed: one email each,
    once per submission."""
    agents = User.objects.filter(is_active=True, is_staff=True, groups__name=settings.MUNICIPAL_STAFF_GROUP).order_by(
        "pk"
    )
    submission = session.history.filter(publication=session.publication).count()
    return len(
        queue_emails(
            dict(  # noqa: C408 - the keyword arguments of queue_email
                kind="session_to_validate",
                to=agent,
                template="session_to_validate",
                idempotency_key=f"session_to_validate:{session.pk}:{agent.pk}:{submission}",
                why="session_validation",
                context={
                    "session": session,
                    "provider": session.site.provider,
                    "submitted_by": submitted_by,
                    "admin_url": first_url([("admin:programmes_session_change", [session.pk])]),
                },
            )
            for agent in agents
        )
    )


def notify_session_publication_decided(session, *, decision, reason=""):
    """Tell the structure's staff that the City published their session, or returned it to them."""
    return email_session_staff(
        session,
        kind="session_publication_decided",
        key=session.history.count(),
        published=decision == "publish",
        reason=reason,
    )
