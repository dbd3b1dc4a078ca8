"""Which emails the application workflow produces, and what they say.

Called inside the business transaction (``notify_transition`` by candidates.services.transition,
``notify_session_dates_changed`` by programmes.services); the beat jobs in candidates.tasks call
the reminder and digest functions. Everything here writes outbox rows through
``portal.outbox.queue_email`` and never sends directly; each row's idempotency key says which fact
it reports, so that a replayed task or a second run of a job never queues the same email twice.
"""

import datetime
import logging
from collections import Counter, defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Exists, OuterRef, Q, prefetch_related_objects
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language

from portal.outbox import absolute_url, queue_email, queue_emails

from .models import Application, ApplicationDocument, ApplicationEvent, CandidateProfile
from .workflow import ACTIVE_STATUSES, VISIBLE_TO_CENTRE_STATUSES, RefusalReason, Status

logger = logging.getLogger(__name__)

OFFER_REMINDER_BEFORE = datetime.timedelta(hours=48)
SESSION_REMINDER_DAYS_BEFORE = 3
DIGEST_PERIOD = datetime.timedelta(hours=24)


# --- Links ------------------------------------------------------------------------------------


def _first_url(candidates, default="/"):
    """The absolute URL of the first URL name that exists (pages built by other parts of the
    portal may be named differently or not exist yet); the home page otherwise."""
    for name, args in candidates:
        try:
            return settings.SITE_URL + reverse(name, args=args)
        except NoReverseMatch:
            continue
    return settings.SITE_URL + default


def application_url(application):
    return _first_url(
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


def _candidate_email(application, *, kind, template, key, why="application", attachment=None, **context):
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


def _queue_all(specs):
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
    return _queue_all(_email_for(event) for event in events)


def _email_for(event):
    handler = _EVENT_HANDLERS.get(event.transition)
    return handler(event.application, event) if handler is not None else None


def _received(application, event):
    return _candidate_email(
        application, kind="application_received", template="application_received", key=f"event:{event.pk}"
    )


def _screening(application, event):
    outcome = {
        "mark_eligible": "eligible",
        "mark_not_eligible": "not_eligible",
        "mark_to_be_checked": "to_be_checked",
    }[event.transition]
    # Rendering happens in the recipient's language; the screening criteria are read there.
    return _candidate_email(
        application,
        kind=f"screening_{outcome}",
        template=f"screening_{outcome}",
        key=f"event:{event.pk}",
        **ScreeningExplanation(application.current_screening, outcome).as_context(),
    )


class ScreeningExplanation:
    """What a screening email explains: the criteria not met or still to check (through
    ``candidates.screening.candidate_reasons``, the screening service's own reading of what it
    stored), plus the documents and answers those criteria need. Read lazily, in the template,
    hence in the recipient's language; a missing or partial screening gives fewer details, never
    an error."""

    def __init__(self, screening, outcome):
        self.screening = screening if screening is not None and screening.outcome == outcome else None
        self.status = {"not_eligible": "not_met", "to_be_checked": "to_be_checked"}.get(outcome)

    def as_context(self):
        if self.status is None or self.screening is None:
            return {}
        return {"reasons": _Lazy(self.reasons), "documents": _Lazy(self.documents), "answers": _Lazy(self.answers)}

    def reasons(self):
        from .screening import candidate_reasons

        return [reason for reason in candidate_reasons(self.screening, get_language()) if reason]

    def _needs(self):
        criteria = self.screening.criteria if isinstance(self.screening.criteria, list) else []
        return [
            need
            for criterion in criteria
            if isinstance(criterion, dict) and criterion.get("status") == self.status
            for need in criterion.get("needs") or ()
            if isinstance(need, str)
        ]

    def documents(self):
        labels = []
        for need in self._needs():
            if need.startswith("document:"):
                kind = need.removeprefix("document:")
                label = ApplicationDocument.Kind(kind).label if kind in ApplicationDocument.Kind.values else kind
                if label not in labels:
                    labels.append(label)
        return labels

    def answers(self):
        labels = []
        for need in self._needs():
            if need.startswith("document:"):
                continue
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
    return _candidate_email(
        application,
        kind=f"invitation_{appointment.kind}",
        template="invitation",
        key=f"event:{event.pk}",
        appointment=appointment,
        attachment=("convocation.ics", ics, "text/calendar"),
    )


def appointment_ics(appointment, *, language):
    """An iCalendar invitation (RFC 5545) for a test or interview, in the candidate's language."""
    from django.utils import translation
    from icalendar import Calendar, Event

    session = appointment.application.session
    with translation.override(language):
        summary = f"{appointment.get_kind_display()} — {session.name}"
        description = str(appointment.what_to_bring or "")
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
    return _candidate_email(
        application,
        kind="seat_offered",
        template="seat_offered",
        key=f"event:{event.pk}",
        deadline=application.offer_expires_at,
    )


def waitlist_position(application):
    """1-based rank in the session's waiting list, in the order seats are offered
    (programmes.services.waiting_list)."""
    from programmes.services import waiting_list

    ids = list(waiting_list(application.session_id).values_list("pk", flat=True))
    return ids.index(application.pk) + 1 if application.pk in ids else len(ids) + 1


def _waitlisted(application, event):
    return _candidate_email(
        application,
        kind="waitlisted",
        template="waitlisted",
        key=f"event:{event.pk}",
        position=waitlist_position(application),
    )


def _refused(application, event):
    return _candidate_email(
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
    spec = _candidate_email(
        message.application,
        kind="message_to_candidate",
        template="message_to_candidate",
        key=f"message:{message.pk}",
        message=message,
    )
    return queue_email(**spec) if spec is not None else None


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
    return _queue_all(
        _candidate_email(
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


# --- Reminders (beat) ------------------------------------------------------------------------


def queue_offer_reminders(*, now=None):
    """Remind candidates whose seat offer expires within 48 hours (once per offer), unless they
    turned reminders off or the offer itself is less than a day old."""
    now = now or timezone.now()
    recent_offer = ApplicationEvent.objects.filter(
        application=OuterRef("pk"), transition="offer_seat", created_at__gt=now - datetime.timedelta(hours=24)
    )
    applications = (
        Application.objects.filter(
            status=Status.SEAT_OFFERED,
            offer_expires_at__gt=now,
            offer_expires_at__lte=now + OFFER_REMINDER_BEFORE,
            candidate__receives_reminders=True,
            candidate__is_active=True,
        )
        .exclude(Exists(recent_offer))
        .select_related("candidate", "session__programme", "session__site")
    )
    return _queue_all(
        _candidate_email(
            application,
            kind="reminder_offer_expiring",
            template="reminder_offer_expiring",
            key=f"reminder_offer:{application.pk}:{application.offer_expires_at:%Y%m%d%H%M}",
            why="reminder",
            deadline=application.offer_expires_at,
        )
        for application in applications
    )


def queue_session_start_reminders(*, today=None):
    """Remind accepted and enrolled candidates a few days before their session starts."""
    today = today or timezone.localdate()
    applications = Application.objects.filter(
        status__in=[Status.SEAT_ACCEPTED, Status.ENROLLED],
        session__starts_on__gt=today,
        session__starts_on__lte=today + datetime.timedelta(days=SESSION_REMINDER_DAYS_BEFORE),
        candidate__receives_reminders=True,
        candidate__is_active=True,
    ).select_related("candidate", "session__programme", "session__site")
    return _queue_all(
        _candidate_email(
            application,
            kind="reminder_session_start",
            template="reminder_session_start",
            key=f"reminder_session:{application.pk}:{application.session.starts_on}",
            why="reminder",
        )
        for application in applications
    )


# --- Daily digests for staff (beat) ----------------------------------------------------------

TO_REVIEW_STATUSES = (Status.SUBMITTED, Status.TO_BE_CHECKED)


def queue_staff_digests(*, now=None):
    """One email a day for each municipal agent (applications to review, per programme) and each
    training-centre member (what changed on their sessions), unless there is nothing to say or
    they turned digests off."""
    now = now or timezone.now()
    since = now - DIGEST_PERIOD
    return _queue_municipal_digests(now, since) + _queue_centre_digests(now, since)


def municipal_digest_rows(since):
    from programmes.models import Programme

    rows = (
        Programme.objects.annotate(
            new=Count("sessions__applications", filter=Q(sessions__applications__submitted_at__gte=since)),
            to_review=Count("sessions__applications", filter=Q(sessions__applications__status__in=TO_REVIEW_STATUSES)),
        )
        .filter(Q(new__gt=0) | Q(to_review__gt=0))
        .order_by("name")
        .values("name", "new", "to_review")
    )
    return list(rows)


def _queue_municipal_digests(now, since):
    staff = get_user_model().objects.filter(
        is_active=True, is_staff=True, receives_digests=True, groups__name=settings.MUNICIPAL_STAFF_GROUP
    )
    rows = municipal_digest_rows(since)
    if not rows:
        return 0
    specs = []
    for user in staff.distinct():
        specs.append(
            dict(  # noqa: C408 - the keyword arguments of queue_email
                kind="digest_municipal",
                to=user,
                template="digest_municipal",
                idempotency_key=f"digest_municipal:{user.pk}:{timezone.localdate(now)}",
                why="digest_municipal",
                context={
                    "programmes": rows,
                    "since": since,
                    "total_new": sum(row["new"] for row in rows),
                    "review_url": absolute_url("admin:candidates_application_changelist"),
                },
            )
        )
    return len(queue_emails(specs))


def centre_digest_rows(provider, since, *, now):
    """Per session of the provider: application events of the period (statuses the centre sees),
    counted by new status, whether the session's own record changed, and where it stands now
    (seats, offers awaiting an answer within two days)."""
    from programmes.models import Session

    counts = (
        ApplicationEvent.objects.filter(
            application__session__site__provider=provider,
            created_at__gte=since,
            to_status__in=VISIBLE_TO_CENTRE_STATUSES,
        )
        .values("application__session_id", "to_status")
        .annotate(count=Count("pk"))
        .order_by("application__session_id", "to_status")
    )
    changes = defaultdict(list)
    for row in counts:
        changes[row["application__session_id"]].append({"label": Status(row["to_status"]).label, "count": row["count"]})
    changed_sessions = set(
        Session.history.filter(site__provider=provider, history_date__gte=since, history_type="~").values_list(
            "id", flat=True
        )
    )
    ids = set(changes) | changed_sessions
    sessions = list(Session.objects.filter(pk__in=ids).select_related("site").order_by("starts_on", "name"))
    # Where each session stands now: its seats, and the offers whose answer is due within two days.
    from programmes.services import availability

    seats = availability(sessions)
    closing = Counter(
        Application.objects.filter(
            session__in=sessions,
            status=Status.SEAT_OFFERED,
            offer_expires_at__gt=now,
            offer_expires_at__lte=now + OFFER_REMINDER_BEFORE,
        ).values_list("session_id", flat=True)
    )
    return [
        {
            "session": session,
            "changes": changes.get(session.pk, []),
            "session_changed": session.pk in changed_sessions,
            "seats": seats[session.pk],
            "offers_closing": closing[session.pk],
        }
        for session in sessions
    ]


def _queue_centre_digests(now, since):
    from programmes.models import ProviderMembership

    memberships = (
        ProviderMembership.objects.filter(user__is_active=True, user__receives_digests=True)
        .select_related("user", "provider")
        .order_by("provider_id", "user_id")
    )
    rows_by_provider = {}
    specs = []
    for membership in memberships:
        provider = membership.provider
        if provider.pk not in rows_by_provider:
            rows_by_provider[provider.pk] = centre_digest_rows(provider, since, now=now)
        rows = rows_by_provider[provider.pk]
        if not rows:
            continue
        specs.append(
            dict(  # noqa: C408 - the keyword arguments of queue_email
                kind="digest_centre",
                to=membership.user,
                template="digest_centre",
                idempotency_key=f"digest_centre:{membership.user_id}:{provider.pk}:{timezone.localdate(now)}",
                why="digest_centre",
                context={
                    "provider": provider,
                    "sessions": rows,
                    "since": since,
                    "sessions_url": _first_url([("centre:session_list", [])]),
                },
            )
        )
    return len(queue_emails(specs))


# --- Seats freed, left to the centre's staff (programmes.services.promote_waitlist) ----------------


def notify_seats_to_propose(session, *, free_seats, next_up):
    """Tell a structure's staff that seats are free on a session whose programme leaves waiting-list
    offers to them. One email per member and per situation (free seats and who is next): a
    replayed promotion task queues nothing new."""
    from programmes.models import ProviderMembership

    members = ProviderMembership.objects.filter(provider__sites__sessions=session, user__is_active=True).select_related(
        "user"
    )
    situation = f"{free_seats}:{'-'.join(str(application.pk) for application in next_up)}"
    return len(
        queue_emails(
            dict(  # noqa: C408 - the keyword arguments of queue_email
                kind="seats_to_propose",
                to=membership.user,
                template="seats_to_propose",
                idempotency_key=f"seats_to_propose:{session.pk}:{membership.user_id}:{situation}",
                why="centre_staff",
                context={
                    "session": session,
                    "provider": session.site.provider,
                    "free_seats": free_seats,
                    "waiting": len(next_up),
                    "session_url": _first_url([("centre:session_detail", [session.pk])]),
                },
            )
            for membership in members
        )
    )
