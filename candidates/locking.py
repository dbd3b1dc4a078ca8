"""The session lock: the one lock that seats are decided under.

Every status change that moves a session's seat figures (an offer, an answer, a withdrawal, the
waiting list…) and every session write locks the session row first, then the application row:
one order everywhere, so no two transactions can wait on each other (pretix's rule: take the lock
once, as late as possible, always in the same order). ``candidates.services.transition`` takes it
itself when its caller did not (``locked_session``).
"""

from django.db import transaction

from programmes.models import Session

# Test-only switch, so that a control run can show that the race is real (never changed outside
# tests): False skips the row lock.
LOCK_SESSIONS = True


def lock_session(session_id: int) -> Session:
    """Lock the session row until the end of the current transaction and return it, fresh (with
    its programme, site and structure).

    On SQLite, select_for_update is ignored and the transaction itself serialises writers."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_session() must run inside transaction.atomic().")
    sessions = Session.objects.select_related("programme", "site__provider")
    if LOCK_SESSIONS:
        sessions = sessions.select_for_update(of=("self",))
    return sessions.get(pk=session_id)
