"""Deferred tasks: no side effect lost when the broker blinks.

Every ``task.delay_on_commit(...)`` / ``apply_async_on_commit(...)`` of a ``PortalTask`` (screening a
sent application, offering a freed seat, building an export, re-screening…) goes through
``defer``: a ``DeferredTask`` row is written **in the caller's transaction**, the way emails go
through the outbox. Once that transaction commits, the task is published with the row's id in a
message header. A rolled-back transaction leaves no row and publishes nothing.

- **Broker down at commit**: publishing fails quietly (logged), the request answers as usual, the
  row stays *pending*; ``requeue_deferred_tasks`` (beat, every minute) publishes again the rows
  pending for longer than ``DEFERRED_TASK_GRACE`` seconds, until one run marks them done. It also
  catches messages lost with a Redis that came back empty.
- **Exactly one run**: the worker *claims* the row before running the task (``pending`` →
  ``running``, one UPDATE that a second copy of the message cannot pass) and marks it *done*
  after; a copy that arrives later finds it running or done and does nothing.
- **Worker killed mid-task**: the row stays *running*; after ``DEFERRED_TASK_LEASE`` seconds (more
  than the task time limit) the sweep puts it back and publishes it again. The tasks are
  idempotent, so a task killed after its work committed but before the row said so does nothing
  the second time: its effect happens once.
- **Celery retries** (``autoretry_for``, ``self.retry``) give the claim back; the retry message
  carries the same header. A task that gives up marks the row *failed* (the admin can retry it).

Tasks published without ``*_on_commit`` (beat jobs, explicit ``delay``) are not tracked: a lost
beat run is simply run at the next beat.
"""

import datetime
import logging
from functools import partial

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

# Imported once Django's apps are loaded (portal.celery imports this module only when a task is
# deferred or run, never at start-up, when models cannot be imported yet).
from .celery import app
from .models import DeferredTask

logger = logging.getLogger(__name__)

HEADER = "portal_deferred_task"
# A run that fails on these goes back to pending rather than failed: the sweep runs it again.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
QUICK_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}


def grace():
    return datetime.timedelta(seconds=getattr(settings, "DEFERRED_TASK_GRACE", 300))


def lease():
    default = getattr(settings, "CELERY_TASK_TIME_LIMIT", 300) + 60
    return datetime.timedelta(seconds=getattr(settings, "DEFERRED_TASK_LEASE", default))


# --- Recording and publishing (the caller's side) ---------------------------------------------


def defer(task, args=(), kwargs=None, **options):
    """Record ``task(*args, **kwargs)`` in the current transaction; publish it after commit."""
    now = timezone.now()
    countdown = options.pop("countdown", None)
    eta = options.pop("eta", None)
    not_before = eta or (now + datetime.timedelta(seconds=countdown) if countdown else now)
    row = DeferredTask.objects.create(
        task_name=task.name,
        args=list(args or ()),
        kwargs=dict(kwargs or {}),
        options=options,
        due_at=not_before,
        created_at=now,
    )
    transaction.on_commit(partial(publish, row))
    return row


def publish(row, *, task=None):
    """Send the task's message; a broker outage is logged, never raised: the row stays pending
    and the sweep will publish it again. Returns whether the broker took it."""
    task = task or app.tasks[row.task_name]
    options = dict(row.options)
    delay = (row.due_at - timezone.now()).total_seconds()
    if delay > 0:
        options["countdown"] = delay
    send = partial(task.apply_async, tuple(row.args), dict(row.kwargs), headers={HEADER: row.pk}, **options)
    if task.app.conf.task_always_eager:
        send()  # no broker: the task runs here and now, its errors are the caller's
        return True
    try:
        send(retry_policy=QUICK_RETRY)
    except Exception as exc:  # kombu's OperationalError, redis's ConnectionError, a timeout…
        logger.warning(
            "deferred: could not publish %s (task %s, %s); the sweep will retry",
            row.task_name,
            row.pk,
            type(exc).__name__,
        )
        return False
    return True


# --- Claiming and finishing (the worker's side) ------------------------------------------------


def claim(row_id):
    """Take the row for one run: True when this run must do the work, False when another run
    did it or is doing it (or the row is gone)."""
    Status = DeferredTask.Status
    now = timezone.now()
    takeable = Q(status=Status.PENDING) | Q(status=Status.RUNNING, started_at__lt=now - lease())
    return bool(
        DeferredTask.objects.filter(takeable, pk=row_id).update(
            status=Status.RUNNING, started_at=now, attempts=F("attempts") + 1
        )
    )


def finish(row_id):
    _update_open_row(row_id, status="done", finished_at=timezone.now(), last_error="")


def release(row_id, *, retry_at=None, error=None):
    """A Celery retry or a transient error: the row waits for the retry message (or, failing
    it, the sweep). ``retry_at``: a datetime, or a number of seconds from now."""
    now = timezone.now()
    if isinstance(retry_at, int | float):
        retry_at = now + datetime.timedelta(seconds=retry_at)
    due_at = retry_at if isinstance(retry_at, datetime.datetime) else now
    _update_open_row(row_id, status="pending", started_at=None, due_at=due_at, last_error=_describe(error))


def fail(row_id, error):
    _update_open_row(row_id, status="failed", finished_at=timezone.now(), last_error=_describe(error))


def _update_open_row(row_id, **fields):
    try:
        DeferredTask.objects.filter(
            pk=row_id, status__in=[DeferredTask.Status.PENDING, DeferredTask.Status.RUNNING]
        ).update(**fields)
    except DatabaseError as error:
        # The database is gone too: the row stays running, and the lease hands it to the sweep.
        logger.warning("deferred: could not record the end of task %s (%s)", row_id, type(error).__name__)


def _describe(error):
    # The type only: an exception's text may quote personal data.
    return type(error).__name__ if error is not None else ""


# --- The sweep ---------------------------------------------------------------------------------


def requeue_deferred_tasks(*, now=None, limit=1000):
    """Publish again the rows whose message was never sent or was lost (pending past their grace
    period) and those whose worker died (running past the lease). Returns how many were published."""
    Status = DeferredTask.Status
    now = now or timezone.now()
    stale = Q(status=Status.PENDING, due_at__lte=now - grace()) | Q(status=Status.RUNNING, started_at__lt=now - lease())
    rows = list(DeferredTask.objects.filter(stale).order_by("due_at")[:limit])
    if not rows:
        return 0
    # Pushed back a grace period first, so that the next sweep leaves them to this publication.
    DeferredTask.objects.filter(pk__in=[row.pk for row in rows]).update(due_at=now, publications=F("publications") + 1)
    published = 0
    for row in rows:
        row.due_at = now
        if publish(row):
            published += 1
        else:
            break  # the broker is still down: the next sweep will try again
    logger.info("deferred: re-published %s of %s stale task(s)", published, len(rows))
    return published


def retry(queryset):
    """Admin "retry": failed rows go back to pending and are published once the transaction commits."""
    rows = list(queryset.filter(status=DeferredTask.Status.FAILED))
    now = timezone.now()
    DeferredTask.objects.filter(pk__in=[row.pk for row in rows]).update(
        status=DeferredTask.Status.PENDING, due_at=now, started_at=None, finished_at=None
    )
    for row in rows:
        row.due_at = now
        transaction.on_commit(partial(publish, row))
    return len(rows)


def purge_finished_tasks(*, now=None):
    """Delete done rows older than ``DEFERRED_TASK_RETENTION_DAYS`` (7) and failed ones older than
    30 days (their arguments are identifiers, kept only as long as they help)."""
    now = now or timezone.now()
    done_cutoff = now - datetime.timedelta(days=getattr(settings, "DEFERRED_TASK_RETENTION_DAYS", 7))
    failed_cutoff = now - datetime.timedelta(days=30)
    deleted, _ = DeferredTask.objects.filter(
        Q(status=DeferredTask.Status.DONE, finished_at__lt=done_cutoff)
        | Q(status=DeferredTask.Status.FAILED, finished_at__lt=failed_cutoff)
    ).delete()
    return deleted
