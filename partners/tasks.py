from celery import shared_task

from . import services


@shared_task
def send_commitment_reminders():
    """Beat job (daily): weekly digest to the companies behind on their commitments as the season
    ends. Idempotent per company, member and week (see the service)."""
    return services.send_commitment_reminders()
