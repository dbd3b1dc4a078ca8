"""Ranked wishes: a person's applications to one programme, in their order of preference.

Why one ranking per programme (a programme is a season of Paris Code, of Écoles du Web…): the
limit of active applications is the programme's (``Programme.max_active_applications``), its
sessions share one calendar, and an accepted seat in a Paris Code session says nothing about a
wish for an Écoles du Web session that starts months later — a person may follow both. Within a
programme, the sessions are alternatives: an accepted seat releases the others (README, « Vœux »).

What an acceptance releases is the workflow's business (``workflow.Releases`` on the transitions,
carried out by ``services.transition`` under the ordered locks of ``candidates.locking``); this
module holds the candidate's act on the order itself (``move_wish``) and its deadline.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import doors
from portal.models import User
from portal.templatetags.portal_format import long_date
from programmes.models import Programme

from . import locking
from .models import Application
from .workflow import ACTIVE_STATUSES, TransitionError

UP, DOWN = "up", "down"


class RankingRefused(TransitionError):
    """The order cannot change (after the deadline, or not an active wish); the message says why."""


def set_positions(applications: list[Application]) -> None:
    """Set ``wish_position`` and ``wish_count`` on ``applications``, as
    ``Application.objects.with_wish_position()`` annotates them, when the list holds every
    application of its people (« Mes candidatures »): counted here from the rows, not by two
    correlated subqueries per row, whose building and compiling cost more than the rest of the page.
    Needs each row's ``session`` (for its programme)."""

    def ranking(application):
        return application.candidate_id, application.session.programme_id

    wishes = [a for a in applications if a.wish_rank is not None and a.status in ACTIVE_STATUSES]
    ranks = {}
    for wish in wishes:
        ranks.setdefault(ranking(wish), []).append(wish.wish_rank)
    for application in applications:
        application.wish_count = len(ranks.get(ranking(application), ()))
        application.wish_position = None
    for wish in wishes:
        wish.wish_position = 1 + sum(rank < wish.wish_rank for rank in ranks[ranking(wish)])


def ranking_closes_on(programme: Programme) -> datetime.date | None:
    """The last day a person may reorder their wishes in ``programme`` (None: no limit)."""
    return programme.wishes_ranking_closes_on or programme.applications_close_on


def ranking_is_open(programme: Programme, *, today: datetime.date | None = None) -> bool:
    closes_on = ranking_closes_on(programme)
    return closes_on is None or (today or timezone.localdate()) <= closes_on


def move_wish(application: Application, direction: str, *, actor: User) -> list[Application]:
    """Swap ``application`` with the wish just above it (``UP``) or just below (``DOWN``) among the
    person's active wishes of the programme. Raises RankingRefused with a message to show as is;
    at either end of the list nothing moves. Returns the active wishes, in their new order.

    The ranking's rows are locked in id order (the order every move across wishes takes them,
    candidates.locking), so a reorder racing an acceptance waits for it and then sees what it
    released."""
    if direction not in (UP, DOWN):
        raise ValueError(direction)
    programme = application.session.programme
    if application.candidate_id != actor.pk:
        raise RankingRefused(_("Vous ne pouvez classer que vos propres candidatures."))
    if not ranking_is_open(programme):
        raise RankingRefused(
            _("L'ordre de vos vœux ne peut plus changer : la date limite était le %(date)s.")
            % {"date": long_date(ranking_closes_on(programme))}
        )
    with transaction.atomic():
        rows = locking.lock_ranking(
            Application.objects.filter(
                candidate_id=actor.pk, session__programme_id=programme.pk, wish_rank__isnull=False
            )
        )
        wishes = sorted((a for a in rows if a.status in ACTIVE_STATUSES), key=lambda a: (a.wish_rank, a.pk))
        index = next((i for i, wish in enumerate(wishes) if wish.pk == application.pk), None)
        if index is None:
            raise RankingRefused(_("Cette candidature n'est plus en cours : elle ne fait plus partie de vos vœux."))
        neighbour = index - 1 if direction == UP else index + 1
        if 0 <= neighbour < len(wishes):
            wishes[index], wishes[neighbour] = wishes[neighbour], wishes[index]
        # Numbered 1, 2, 3… again in the new order: the gaps left by released wishes close.
        for rank, wish in enumerate(wishes, start=1):
            if wish.wish_rank != rank:
                wish.wish_rank = rank
                wish._change_reason = "move_wish"
                with doors.service_write():
                    wish.save(update_fields=["wish_rank", "updated_at"])
    application.wish_rank = next(w.wish_rank for w in wishes if w.pk == application.pk)
    return wishes
