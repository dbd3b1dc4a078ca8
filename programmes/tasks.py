from celery import shared_task


@shared_task
def fill_freed_seats(session_id):
    """A seat was freed on this session: offer it to the waiting list (filled in by the
    training-centre work, under the session lock of programmes.services)."""
