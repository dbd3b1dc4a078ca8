"""The beat's emails: reminders to candidates (an offer about to lapse, a session about to start)
and the staff's daily digests (municipal staff: applications to review; training centres: what
changed on their sessions). Called by the periodic tasks in candidates.tasks; each email's
idempotency key names its period, so a second run of a job queues nothing new.
"""

import datetime
from collections import Counter, defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from portal.outbox import absolute_url, queue_emails
from programmes.models import Programme, ProviderMembership, Session

from . import seats
from .models import Application, ApplicationEvent
from .notifications import candidate_email, first_url, queue_all
from .workflow import VISIBLE_TO_CENTRE_STATUSES, Status

OFFER_REMINDER_BEFORE = datetime.timedelta(hours=48)
SESSION_REMINDER_DAYS_BEFORE = 3
DIGEST_PERIOD = datetime.timedelta(hours=24)


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
    return queue_all(
        candidate_email(
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
    """Remind accepted (or holding) and enrolled candidates a few days before their session starts."""
    today = today or timezone.localdate()
    applications = Application.objects.filter(
        status__in=[Status.SEAT_ACCEPTED, Status.SEAT_HELD, Status.ENROLLED],
        session__starts_on__gt=today,
        session__starts_on__lte=today + datetime.timedelta(days=SESSION_REMINDER_DAYS_BEFORE),
        candidate__receives_reminders=True,
        candidate__is_active=True,
    ).select_related("candidate", "session__programme", "session__site")
    return queue_all(
        candidate_email(
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
            "seats": seats.Availability.of(session),
            "offers_closing": closing[session.pk],
        }
        for session in sessions
    ]


def _queue_centre_digests(now, since):
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
                    "sessions_url": first_url([("centre:session_list", [])]),
                },
            )
        )
    return len(queue_emails(specs))
