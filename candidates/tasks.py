from celery import shared_task

from . import screening


@shared_task
def screen_application(application_id):
    """Screen a submitted application (queue `screening`); idempotent."""
    screening.screen(application_id)
