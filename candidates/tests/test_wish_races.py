"""Ranked wishes under concurrency (PostgreSQL): moves that reach across one person's wishes take
every session of the ranking in id order, then the ranking's rows in id order (candidates.locking).

Two races, each run with the locks on and, as a control, off (LOCK_SESSIONS and LOCK_APPLICATIONS
switched off, RACE_WINDOW_SECONDS widening the gap between a read and its write): the control runs
must show the harm — a deadlock, a person holding two seats, or seat figures that disagree with the
statuses — so that the locked runs prove the locks, not luck. Several people race at once.
"""

import pytest
from django.db import OperationalError

from candidates import locking, seats, services
from candidates.models import Application
from candidates.tests.factories import application_in, candidate
from candidates.workflow import SEAT_HOLDING_STATUSES, Status, TransitionError
from portal.tests.concurrency import run_together
from portal.tests.factories import municipal_staff
from programmes.tests.factories import ProgrammeFactory, SessionFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("require_postgresql")]

PEOPLE = 5


@pytest.fixture
def lock(request, monkeypatch):
    monkeypatch.setattr(locking, "LOCK_SESSIONS", request.param)
    monkeypatch.setattr(locking, "LOCK_APPLICATIONS", request.param)
    monkeypatch.setattr(locking, "RACE_WINDOW_SECONDS", 0.02 if request.param else 0.3)
    return request.param


def two_wishes(first, second):
    """A person's wishes n° 1 and n° 2 in two sessions of one programme, in these statuses."""
    person = candidate()
    programme = ProgrammeFactory()
    return [
        application_in(
            status, candidate=person, session=SessionFactory(programme=programme, capacity=3), wish_rank=rank
        )
        for rank, status in enumerate((first, second), start=1)
    ]


def harm(pairs, outcomes):
    """What went wrong: deadlocks and other errors (a clear TransitionError is an answer, not
    harm), people holding a seat accepted for good beside another seat, seat figures that the
    statuses contradict."""
    found = [repr(o) for o in outcomes if isinstance(o, Exception) and not isinstance(o, TransitionError)]
    for pair in pairs:
        statuses = list(Application.objects.filter(pk__in=[a.pk for a in pair]).values_list("status", flat=True))
        holding = [status for status in statuses if status in SEAT_HOLDING_STATUSES]
        if Status.SEAT_ACCEPTED in holding and len(holding) > 1:
            found.append(f"two seats held: {statuses}")
    sessions = [a.session_id for pair in pairs for a in pair]
    derived = seats.derived_figures(sessions)
    for session in Application.objects.model.session.field.related_model.objects.filter(pk__in=sessions):
        wanted = derived.get(session.pk, dict.fromkeys(seats.FIGURES, 0))
        if any(getattr(session, field) != wanted[field] for field in seats.FIGURES):
            found.append(f"session {session.pk} figures disagree with the statuses")
    return found


@pytest.mark.parametrize("lock", [True, False], ids=["locked", "control-unlocked"], indirect=True)
def test_two_sessions_offer_to_the_same_person_at_once_and_both_answers_arrive_together(lock):
    """Two centres offer a seat to the same person at the same second; the person, in two tabs,
    accepts both at the same second. One acceptance wins, the other wish is released."""
    staff = municipal_staff()
    pairs = [two_wishes(Status.WAITLISTED, Status.ELIGIBLE) for _ in range(PEOPLE)]

    offers = run_together([lambda a=a: seats.offer_seat(a, actor=staff) for pair in pairs for a in pair])
    assert [o for o in offers if isinstance(o, Exception)] == [] or not lock

    answers = run_together(
        [lambda a=a: services.transition(a, "accept_offer", actor=a.candidate) for pair in pairs for a in pair]
    )

    found = harm(pairs, [*offers, *answers])
    if lock:
        assert found == []
        for pair in pairs:
            statuses = sorted(Application.objects.filter(pk__in=[a.pk for a in pair]).values_list("status", flat=True))
            assert statuses == sorted([Status.SEAT_ACCEPTED, Status.WITHDRAWN])
    else:
        assert found, "the race did not show: the control run proves nothing"
        assert any(isinstance(o, OperationalError) for o in answers) or any("two seats" in f for f in found)


@pytest.mark.parametrize("lock", [True, False], ids=["locked", "control-unlocked"], indirect=True)
def test_accepting_while_a_better_wish_is_being_offered(lock):
    """The person accepts wish n° 2 for good while wish n° 1's centre offers them a seat: they end
    with one seat, and the other is free again (released, or never offered)."""
    staff = municipal_staff()
    pairs = [two_wishes(Status.WAITLISTED, Status.SEAT_OFFERED) for _ in range(PEOPLE)]

    calls = []
    for better, offered in pairs:
        calls.append(lambda a=offered: services.transition(a, "accept_offer", actor=a.candidate))
        calls.append(lambda a=better: seats.offer_seat(a, actor=staff))
    outcomes = run_together(calls)

    found = harm(pairs, outcomes)
    if lock:
        assert found == []
        for better, offered in pairs:
            assert Application.objects.get(pk=offered.pk).status == Status.SEAT_ACCEPTED
            assert Application.objects.get(pk=better.pk).status == Status.WITHDRAWN
    else:
        assert found, "the race did not show: the control run proves nothing"
