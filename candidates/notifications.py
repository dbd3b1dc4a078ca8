"""Which emails the application workflow produces. Called inside the business transaction; writes
outbox rows (portal.outbox), never sends directly. Filled in by the notifications work."""


def notify_transition(event):
    """Queue the emails due for this application event (received, screening outcome, invitation,
    seat offered, waiting list, refusal…)."""


def notify_session_dates_changed(session, *, previous_starts_on, previous_ends_on):
    """Tell the session's active applicants that its dates moved."""
