"""The seat service: availability, offers under the lock, capacity changes, waiting list, expiry."""

import datetime

import pytest
from django.utils import timezone

from candidates import seats, tasks
from candidates.models import ApplicationEvent
from candidates.services import TransitionAlreadyDone, TransitionNotAllowed, transition
from candidates.tests.factories import ApplicationFactory
from candidates.workflow import Actor, Status
from programmes.models import Programme
from programmes.tests.factories import ProgrammeFactory, SessionFactory, centre_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return SessionFactory(capacity=3, programme=ProgrammeFactory(offer_deadline_days=7))


@pytest.fixture
def staff(session):
    return centre_staff(session.site.provider)


def waitlisted(session, *, score=0, submitted_days_ago=1):
    return ApplicationFactory(
        session=session,
        waitlisted=True,
        priority_score=score,
        submitted_at=timezone.now() - datetime.timedelta(days=submitted_days_ago),
    )


def statuses(applications):
    for application in applications:
        application.refresh_from_db()
    return [application.status for application in applications]


def test_availability_of_many_sessions_in_one_query(django_assert_num_queries):
    full, roomy = SessionFactory(capacity=2), SessionFactory(capacity=10)
    ApplicationFactory(session=full, seat_offered=True)
    ApplicationFactory(session=full, enrolled=True)
    ApplicationFactory(session=full, waitlisted=True)
    ApplicationFactory(session=roomy, seat_accepted=True)
    ApplicationFactory(session=roomy, eligible=True)
    ApplicationFactory(session=roomy, status=Status.OFFER_DECLINED, submitted_at=timezone.now())

    with django_assert_num_queries(1):
        figures = seats.availability([full, roomy.pk])

    assert figures[full.pk] == seats.Availability(capacity=2, offered=1, accepted=0, enrolled=1, waiting=1)
    assert (figures[full.pk].taken, figures[full.pk].left, figures[full.pk].is_full) == (2, 0, True)
    assert (figures[roomy.pk].taken, figures[roomy.pk].left, figures[roomy.pk].is_full) == (1, 9, False)


def test_offer_seat_offers_with_the_programme_deadline(session, staff, django_capture_on_commit_callbacks):
    application = ApplicationFactory(session=session, eligible=True)
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        result = seats.offer_seat(application, actor=staff, actor_role=Actor.CENTRE_STAFF)

    application.refresh_from_db()
    assert application.status == Status.SEAT_OFFERED
    expected = before + datetime.timedelta(days=7)
    assert expected <= application.offer_expires_at <= timezone.now() + datetime.timedelta(days=7)
    assert (result.event.actor, result.event.actor_role) == (staff, Actor.CENTRE_STAFF)


def test_offer_seat_on_a_full_session_raises_session_full(session, staff):
    for _ in range(3):
        ApplicationFactory(session=session, seat_offered=True)
    application = ApplicationFactory(session=session, eligible=True)

    with pytest.raises(seats.SessionFull) as error:
        seats.offer_seat(application, actor=staff)

    assert "3 places" in str(error.value)
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE
    assert not ApplicationEvent.objects.filter(application=application).exists()


def test_a_second_click_on_offer_says_already_done_even_when_full(session, staff):
    application = ApplicationFactory(session=session, eligible=True)
    seats.offer_seat(application, actor=staff)
    ApplicationFactory(session=session, seat_offered=True)
    ApplicationFactory(session=session, seat_offered=True)

    with pytest.raises(TransitionAlreadyDone):
        seats.offer_seat(application, actor=staff)
    assert ApplicationEvent.objects.filter(application=application).count() == 1


def test_capacity_below_seats_taken_is_refused_with_the_count(session, staff):
    ApplicationFactory(session=session, seat_offered=True)
    ApplicationFactory(session=session, seat_accepted=True)

    with pytest.raises(seats.CapacityBelowSeatsTaken) as error:
        seats.update_capacity(session, 1, actor=staff)

    assert "2 places" in error.value.messages[0]
    session.refresh_from_db()
    assert session.capacity == 3
    seats.update_capacity(session, 2, actor=staff)
    session.refresh_from_db()
    assert session.capacity == 2


def test_capacity_and_date_changes_are_in_the_history_with_who(session, staff):
    new_start = session.starts_on + datetime.timedelta(days=14)

    seats.update_session(session, {"capacity": 5, "starts_on": new_start}, actor=staff)

    latest = session.history.first()
    assert (latest.capacity, latest.starts_on, latest.history_user) == (5, new_start, staff)
    assert latest.history_type == "~"


def test_an_unchanged_form_writes_no_history(session, staff):
    count = session.history.count()
    seats.update_session(session, {"capacity": session.capacity}, actor=staff)
    assert session.history.count() == count


def test_promotion_follows_score_then_submission_time(session, django_capture_on_commit_callbacks):
    for _ in range(3):
        ApplicationFactory(session=session, seat_accepted=True)
    late_high = waitlisted(session, score=20, submitted_days_ago=1)
    early_high = waitlisted(session, score=20, submitted_days_ago=5)
    earliest_low = waitlisted(session, score=5, submitted_days_ago=9)
    staff = centre_staff(session.site.provider)

    with django_capture_on_commit_callbacks(execute=True):
        seats.update_capacity(session, 4, actor=staff)
    assert statuses([early_high, late_high, earliest_low]) == [
        Status.SEAT_OFFERED,
        Status.WAITLISTED,
        Status.WAITLISTED,
    ]

    with django_capture_on_commit_callbacks(execute=True):
        seats.update_capacity(session, 5, actor=staff)
    assert statuses([late_high, earliest_low]) == [Status.SEAT_OFFERED, Status.WAITLISTED]
    event = late_high.events.get(transition="offer_seat")
    assert (event.actor, event.actor_role) == (None, Actor.SYSTEM)


def test_raising_capacity_by_three_promotes_three(session, staff, django_capture_on_commit_callbacks):
    for _ in range(3):
        ApplicationFactory(session=session, seat_accepted=True)
    waiting = [waitlisted(session, score=score) for score in (50, 40, 30, 20, 10)]

    with django_capture_on_commit_callbacks(execute=True):
        seats.update_capacity(session, 6, actor=staff)

    assert statuses(waiting) == [Status.SEAT_OFFERED] * 3 + [Status.WAITLISTED] * 2
    assert seats.availability([session])[session.pk].left == 0


def test_expiry_frees_the_seat_and_promotes_the_next(session, django_capture_on_commit_callbacks):
    ApplicationFactory(session=session, seat_accepted=True)
    ApplicationFactory(session=session, seat_accepted=True)
    overdue = ApplicationFactory(
        session=session, seat_offered=True, offer_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    still_open = SessionFactory()
    open_offer = ApplicationFactory(session=still_open, seat_offered=True)
    next_up = waitlisted(session, score=10)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.expire_seat_offers.delay()  # what the beat job sends

    assert statuses([overdue, next_up, open_offer]) == [Status.OFFER_EXPIRED, Status.SEAT_OFFERED, Status.SEAT_OFFERED]
    assert overdue.offer_expires_at is None
    with django_capture_on_commit_callbacks(execute=True):
        assert seats.expire_overdue_offers() == 0


def test_an_offer_past_its_deadline_frees_its_seat_without_waiting_for_the_expiry_job(session, staff):
    for _ in range(session.capacity - 1):
        ApplicationFactory(session=session, seat_accepted=True)
    overdue = ApplicationFactory(
        session=session, seat_offered=True, offer_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    candidate = ApplicationFactory(session=session, eligible=True)

    seats.offer_seat(candidate, actor=staff)

    assert statuses([overdue, candidate]) == [Status.OFFER_EXPIRED, Status.SEAT_OFFERED]
    assert seats.availability([session])[session.pk].taken == session.capacity
    with pytest.raises(seats.SessionFull):
        seats.offer_seat(ApplicationFactory(session=session, eligible=True), actor=staff)


def test_an_offer_cannot_be_accepted_after_its_deadline(session):
    overdue = ApplicationFactory(
        session=session, seat_offered=True, offer_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    with pytest.raises(TransitionNotAllowed, match="Le délai pour répondre à cette proposition est dépassé."):
        transition(overdue, "accept_offer", actor=overdue.candidate)

    assert statuses([overdue]) == [Status.SEAT_OFFERED]  # the expiry job will close it


def test_the_beat_runs_the_expiry_every_few_minutes(settings):
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "candidates.tasks.expire_seat_offers"
    )
    assert entry["schedule"].minute == set(range(0, 60, 5))


def test_a_declined_offer_goes_to_the_next_candidate(session, django_capture_on_commit_callbacks):
    offers = [ApplicationFactory(session=session, seat_offered=True) for _ in range(3)]
    next_up = waitlisted(session)

    with django_capture_on_commit_callbacks(execute=True):
        transition(offers[0], "decline_offer", actor=offers[0].candidate)

    assert statuses([next_up]) == [Status.SEAT_OFFERED]


def test_propose_to_staff_mode_tells_the_staff_once_and_offers_nothing(django_capture_on_commit_callbacks, mailoutbox):
    session = SessionFactory(
        capacity=1, programme=ProgrammeFactory(waitlist_mode=Programme.WaitlistMode.PROPOSE_TO_STAFF)
    )
    staff = centre_staff(session.site.provider)
    centre_staff(SessionFactory().site.provider)  # another structure: not told
    next_up = waitlisted(session)

    with django_capture_on_commit_callbacks(execute=True):
        assert seats.promote_waitlist(session.pk) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert seats.promote_waitlist(session.pk) == []  # a replayed task

    assert statuses([next_up]) == [Status.WAITLISTED]
    assert [message.to for message in mailoutbox] == [[staff.email]]
    email = mailoutbox[0]
    assert email.subject == f"Une place est libre : {session.name}"
    assert "1 candidat de la liste d'attente peut en recevoir une" in email.body
    assert f"/centre/sessions/{session.pk}/" in email.body


def test_candidates_are_told_when_the_dates_move(session, staff, django_capture_on_commit_callbacks, mailoutbox):
    waiting = waitlisted(session)
    ApplicationFactory(session=session, status=Status.WITHDRAWN, submitted_at=timezone.now())
    old_start, old_end = session.starts_on, session.ends_on
    new_start = old_start + datetime.timedelta(days=21)

    with django_capture_on_commit_callbacks(execute=True):
        seats.update_session(session, {"starts_on": new_start, "ends_on": old_end}, actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        # Only the application window moves: no email.
        seats.update_session(
            session, {"applications_close_on": session.applications_close_on + datetime.timedelta(days=1)}, actor=staff
        )

    assert [message.to for message in mailoutbox] == [[waiting.candidate.email]]
    body = mailoutbox[0].body
    assert f"Les dates de la formation « {session.name} » ont changé." in body
    assert f"Nouvelles dates : du {new_start.day} " in body


def test_promotion_is_idempotent(session, django_capture_on_commit_callbacks):
    waiting = [waitlisted(session, score=score) for score in (4, 3, 2, 1)]

    with django_capture_on_commit_callbacks(execute=True):
        first = seats.promote_waitlist(session.pk)
        second = seats.promote_waitlist(session.pk)

    assert [a.pk for a in first] == [a.pk for a in waiting[:3]]
    assert second == []
    assert statuses(waiting) == [Status.SEAT_OFFERED] * 3 + [Status.WAITLISTED]
