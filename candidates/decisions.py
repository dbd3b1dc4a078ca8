"""Staff decisions: the one entry point of the admin's buttons and bulk actions and of the training
centre's pages. A decision is a transition's name with the details its form collected
(``candidates.decision_forms``); it is routed to the service that performs it: invitations and
refusals to the workflow service, seat offers to the seat service (under the session lock)."""

from typing import Any

from portal.models import User

from . import seats, services
from .services import INVITE_KINDS, TransitionResult


def decide(
    application: services.Application, name: str, *, actor: User, actor_role: str | None = None, **details: Any
) -> TransitionResult:
    """Perform the staff decision ``name`` on ``application``; raises the services' TransitionError
    (not allowed, already done, session full) with a message to show as is."""
    if name in INVITE_KINDS:
        return services.invite(application, kind=INVITE_KINDS[name], actor=actor, actor_role=actor_role, **details)[0]
    if name == "refuse":
        return services.refuse(application, actor=actor, actor_role=actor_role, **details)
    if name == "offer_seat":
        return seats.offer_seat(application, actor=actor, actor_role=actor_role, **details)
    return services.transition(application, name, actor=actor, actor_role=actor_role, **details)
