from celery import shared_task
from django.core.management import call_command

from . import audit, deferred, outbox


@shared_task
def clear_expired_sessions():
    """Nightly housekeeping: drop expired login sessions (they hold personal identifiers)."""
    call_command("clearsessions")


@shared_task(max_retries=0)
def send_outgoing_email(email_id):
    """Send one outbox row (queue `mail`). Idempotent: a second delivery of the same task finds the
    row sending or sent and does nothing. Retries are the outbox's own (OUTBOX_RETRY_DELAYS)."""
    return outbox.send_outgoing_email(email_id)


@shared_task(max_retries=0)
def send_outgoing_emails(email_ids):
    """Send a batch of outbox rows (queue `mail`): bulk queuing and the sweep publish these.
    Idempotent like send_outgoing_email."""
    return len(outbox.send_outgoing_emails(email_ids))


@shared_task
def requeue_stale_emails():
    """Every minute (beat): enqueue again the rows whose enqueue was lost (broker down), whose retry
    is due, or whose worker died while sending."""
    return outbox.requeue_stale_emails()


@shared_task
def purge_old_emails():
    """Nightly (beat): delete sent, failed and cancelled rows past the retention period."""
    return outbox.purge_old_emails()


@shared_task
def purge_access_log():
    """Nightly (beat): delete the personal-data access trail's rows past their retention (a year)."""
    return audit.purge_access_log()


@shared_task
def requeue_deferred_tasks():
    """Every minute (beat): publish again the recorded tasks whose message was lost (broker down at
    commit, Redis restarted empty) or whose worker died mid-run (portal.deferred)."""
    return deferred.requeue_deferred_tasks()


@shared_task
def purge_finished_tasks():
    """Nightly (beat): delete the deferred-task rows done a week ago (failed ones after 30 days)."""
    return deferred.purge_finished_tasks()
