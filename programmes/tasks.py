from celery import shared_task

from . import services


@shared_task
def fill_freed_seats(session_id):
    """A seat was freed (declined, expired, withdrawn, capacity raised): give it to the waiting
    list under the session lock. Idempotent: with no free seat it does nothing."""
    services.promote_waitlist(session_id)


@shared_task
def expire_seat_offers():
    """Beat: expire the offers past their deadline; each freed seat goes to the waiting list."""
    services.expire_overdue_offers()
