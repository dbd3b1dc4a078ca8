"""Which emails an application event produces. Called by candidates.services.transition inside
the business transaction; writes outbox rows (portal.outbox), never sends directly."""


def notify_transition(event):
    """Queue the emails due for this event (filled in by the notifications work)."""
