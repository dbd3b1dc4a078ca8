from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions():
    """Nightly housekeeping: drop expired login sessions (they hold personal identifiers)."""
    call_command("clearsessions")
