"""Celery tasks of the application side: thin wrappers that take primary keys, call a service and
are idempotent. Queues: ``screening`` for the screenings (portal.settings.CELERY_TASK_ROUTES),
``default`` for the rest; beat schedules the periodic ones (portal.settings.CELERY_BEAT_SCHEDULE)."""

import inspect

from celery import shared_task
from django.db import InterfaceError, OperationalError

from portal.celery import PortalTask

from . import exports, follow_up, personal_data, reminders, screening, seats
from .advisers import attestations
from .advisers import emails as adviser_emails
from .models import ExportJob
from .reporting import open_data

# A database restart or a lock timeout is worth retrying (with PortalTask's backoff); a bug is not.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(autoretry_for=TRANSIENT_ERRORS)
def screen_application(application_id):
    """Screen a submitted application (queue `screening`); idempotent."""
    current = screening.screen(application_id)
    return current.pk if current else None


class RescreeningTask(PortalTask):
    """A re-screening task: when it gives up (after its retries, or on a bug), its run is marked
    failed, so that the admin's progress page says so instead of waiting forever."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        call = inspect.signature(self.run).bind(*args, **kwargs).arguments
        screening.fail_run(run_id=call.get("run_id"), chunk_id=call.get("chunk_id"), error=exc)
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(base=RescreeningTask, autoretry_for=TRANSIENT_ERRORS)
def rescreen_programme(programme_id, run_id=None):
    """Re-screen every open application of a programme after a rules change (queue `screening`):
    cuts them into chunks and enqueues one ``rescreen_programme_chunk`` per chunk; idempotent."""
    run = screening.rescreen_programme(programme_id, run_id=run_id)
    return run.pk


@shared_task(base=RescreeningTask, autoretry_for=TRANSIENT_ERRORS)
def rescreen_programme_chunk(chunk_id):
    """One chunk of a programme's re-screening (queue `screening`), in one transaction; a chunk
    already finished is left alone. Applications already screened with the current rules and
    answers get no new screening."""
    screening.rescreen_run_chunk(chunk_id)


@shared_task
def fill_freed_seats(session_id):
    """A seat was freed (declined, expired, withdrawn, capacity raised): give it to the waiting
    list under the session lock. Idempotent: with no free seat it does nothing."""
    seats.promote_waitlist(session_id)


@shared_task
def expire_seat_offers():
    """Beat: expire the offers past their deadline; each freed seat goes to the waiting list."""
    seats.expire_overdue_offers()


@shared_task
def build_export(job_id):
    """Build an application export's file (queue `default`); idempotent."""
    try:
        exports.build(job_id)
    except Exception as error:
        # The error's type only: its text could quote a candidate's data.
        ExportJob.objects.filter(pk=job_id).update(state=ExportJob.State.FAILED, error=type(error).__name__)
        raise


@shared_task
def queue_offer_reminders():
    """Hourly (beat): remind candidates whose seat offer expires within two days."""
    return reminders.queue_offer_reminders()


@shared_task
def queue_session_start_reminders():
    """Daily (beat): remind accepted candidates that their session starts in a few days."""
    return reminders.queue_session_start_reminders()


@shared_task
def queue_staff_digests():
    """Daily (beat): the municipal staff's and the training centres' digests."""
    return reminders.queue_staff_digests()


@shared_task
def purge_old_exports():
    """Delete application exports older than a week, files included (beat, daily)."""
    return exports.purge_old_exports()


@shared_task(autoretry_for=TRANSIENT_ERRORS)
def rescreen_lapsed_attestations():
    """Daily (beat, queue `screening`): screen again the open applications of people whose
    adviser's attestation lapsed (it no longer counts)."""
    return attestations.rescreen_lapsed()


@shared_task
def queue_adviser_digests():
    """Weekly (beat, Monday morning): each adviser's list of the people who need a nudge."""
    return adviser_emails.queue_weekly_digests()


@shared_task(autoretry_for=TRANSIENT_ERRORS)
def publish_open_data():
    """Nightly (beat): the open data's release of the day; idempotent (one release a day)."""
    return open_data.publish().pk


@shared_task
def queue_follow_up_surveys():
    """Daily (beat): the trainees' questionnaires on leaving and six months later, and their reminders."""
    return follow_up.queue_surveys()


@shared_task(autoretry_for=TRANSIENT_ERRORS)
def apply_retention():
    """Daily (beat): delete documents and anonymise applications past their retention periods."""
    return personal_data.apply_retention()
