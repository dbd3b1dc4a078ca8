"""The session lock: the one lock that seats are decided under.

Every status change that moves a session's seat figures (an offer, an answer, a withdrawal, the
waiting list…) and every session write locks the session row first, then the application row:
one order everywhere, so no two transactions can wait on each other (pretix's rule: take the lock
once, as late as possible, always in the same order). ``candidates.services.transition`` takes it
itself when its caller did not (``locked_session``).

A move that reaches across a person's ranked wishes (an acceptance releasing the others, an offer
that must see what the person already holds) takes more than one: every session of the ranking in
id order (``lock_sessions``), then the ranking's application rows in id order (``lock_ranking``).
Sessions always before applications, each kind in id order: two offers made to the same person in
two sessions at the same second, or an acceptance racing an offer, wait for each other instead of
deadlocking, and neither can leave the person holding two seats.
"""

import time

from django.db import transaction

from programmes.models import Session

# Test-only switches, so that a control run can show that the race is real (never changed outside
# tests): LOCK_SESSIONS = False skips the session row locks; LOCK_APPLICATIONS = False skips the
# workflow's application row locks (its own row, and a ranking's rows); RACE_WINDOW_SECONDS widens
# the gap between a check and its write.
LOCK_SESSIONS = True
LOCK_APPLICATIONS = True
RACE_WINDOW_SECONDS = 0.0


def _check_atomic(name):
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name}() must run inside transaction.atomic().")


def lock_session(session_id: int) -> Session:
    """Lock the session row until the end of the current transaction and return it, fresh (with
    its programme, site and structure).

    On SQLite, select_for_update is ignored and the transaction itself serialises writers."""
    _check_atomic("lock_session")
    sessions = Session.objects.select_related("programme", "site__provider")
    if LOCK_SESSIONS:
        sessions = sessions.select_for_update(of=("self",))
    return sessions.get(pk=session_id)


def lock_sessions(session_ids) -> dict[int, Session]:
    """Lock several session rows in id order (one query: PostgreSQL locks the rows as it returns
    them, sorted) and return them by id, fresh, with their programme, site and structure."""
    _check_atomic("lock_sessions")
    sessions = Session.objects.select_related("programme", "site__provider").filter(pk__in=set(session_ids))
    if LOCK_SESSIONS:
        sessions = sessions.select_for_update(of=("self",))
    return {session.pk: session for session in sessions.order_by("pk")}


def for_update(applications):
    """``applications`` (a queryset) to be read with their rows locked until the transaction ends:
    the workflow's lock on the application it moves, taken after its session's."""
    return applications.select_for_update(of=("self",)) if LOCK_APPLICATIONS else applications


def lock_ranking(applications) -> list:
    """Lock the rows of ``applications`` (a queryset: a person's wishes) in id order, after the
    sessions; returns them."""
    _check_atomic("lock_ranking")
    return list(for_update(applications).order_by("pk"))


def race_window():
    """Widen the gap between a check and its write (tests only, see RACE_WINDOW_SECONDS)."""
    if RACE_WINDOW_SECONDS:
        time.sleep(RACE_WINDOW_SECONDS)
