"""Concurrency: 50 staff clicks at the same second never give away more seats than the session has.

Each thread has its own PostgreSQL connection (Django's connections are per thread) and waits at a
barrier so that all of them check the seats at once; the test switch RACE_WINDOW_SECONDS widens the
gap between the check and the write. The control runs turn the lock off and show overbooking, so
the locked runs prove the lock, not luck. PostgreSQL only (SQLite serialises whole transactions):
skipped without it locally, a failure in CI.
"""

import random

import pytest
from django.urls import reverse

from candidates import locking, seats
from candidates.models import Application
from candidates.tests.factories import ApplicationFactory
from candidates.workflow import SEAT_HOLDING_STATUSES
from portal.tests.auth import PortalClient
from portal.tests.concurrency import run_together
from programmes.models import Session
from programmes.tests.factories import SessionFactory, centre_staff

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("require_postgresql")]

THREADS = 50


@pytest.fixture
def lock(request, monkeypatch):
    monkeypatch.setattr(locking, "LOCK_SESSIONS", request.param)
    monkeypatch.setattr(locking, "RACE_WINDOW_SECONDS", 0.02 if request.param else 0.2)
    return request.param


def session_with(*, capacity, taken, eligible):
    """A session with ``taken`` seats accepted, ``eligible`` applicants waiting for an offer, and a
    member of its structure's staff."""
    session = SessionFactory(capacity=capacity)
    for _ in range(taken):
        ApplicationFactory(session=session, seat_accepted=True)
    applications = [ApplicationFactory(session=session, eligible=True) for _ in range(eligible)]
    return session, centre_staff(session.site.provider), applications


def seats_taken(session):
    return Application.objects.filter(session=session, status__in=SEAT_HOLDING_STATUSES).count()


@pytest.mark.parametrize("lock", [True, False], ids=["locked", "control-unlocked"], indirect=True)
def test_fifty_simultaneous_offers_on_twelve_seats(lock):
    session, staff, applications = session_with(capacity=15, taken=3, eligible=THREADS)

    outcomes = run_together([lambda a=a: seats.offer_seat(a, actor=staff) for a in applications])

    unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, seats.SessionFull)]
    assert unexpected == []
    offers = sum(1 for o in outcomes if not isinstance(o, Exception))
    if lock:
        assert offers == 12
        assert seats_taken(session) == 15
        assert sum(isinstance(o, seats.SessionFull) for o in outcomes) == THREADS - 12
    else:
        # The control run: without the lock, every thread saw free seats and wrote its offer.
        assert seats_taken(session) > 15, "the race did not show: the control run proves nothing"


@pytest.mark.parametrize("lock", [True], ids=["locked"], indirect=True)
def test_fifty_staff_clicking_offer_at_once_get_no_error_page(lock):
    """Through the training-centre page: 50 requests, 12 offers, 38 "session full" messages."""
    session, staff, applications = session_with(capacity=15, taken=3, eligible=THREADS)
    clients = []
    for _ in applications:
        client = PortalClient()
        client.force_login(staff)
        clients.append(client)

    def click(client, application):
        response = client.post(reverse("centre:application_action", args=[application.pk]), {"action": "offer_seat"})
        return response.status_code, [str(m) for m in response.wsgi_request._messages]

    outcomes = run_together([lambda c=c, a=a: click(c, a) for c, a in zip(clients, applications, strict=True)])

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert {status for status, _messages in outcomes} == {302}
    full = [m for _status, messages in outcomes for m in messages if m.startswith("La session est complète")]
    assert len(full) == THREADS - 12
    assert seats_taken(session) == 15


@pytest.mark.parametrize("lock", [True, False], ids=["locked", "control-unlocked"], indirect=True)
def test_fifty_capacity_edits_racing_offers(lock):
    session, staff, applications = session_with(capacity=20, taken=8, eligible=THREADS // 2)
    rng = random.Random(7)
    capacities = [rng.randint(9, 14) for _ in range(THREADS - len(applications))]
    calls = [lambda a=a: seats.offer_seat(a, actor=staff) for a in applications]
    calls += [lambda c=c: seats.update_capacity(Session(pk=session.pk), c, actor=staff) for c in capacities]
    rng.shuffle(calls)

    outcomes = run_together(calls)

    expected = (seats.SessionFull, seats.CapacityBelowSeatsTaken)
    assert [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, expected)] == []
    session.refresh_from_db()
    if lock:
        assert seats_taken(session) <= session.capacity
        # Every capacity the history recorded was at least the seats then taken: never below 8.
        assert min(session.history.values_list("capacity", flat=True)) >= 8
    else:
        assert seats_taken(session) > session.capacity, "the race did not show: the control run proves nothing"
