"""The sessions' seat figures (offered, accepted, enrolled, waiting list) are kept on the row by the
services, under the session lock: whatever sequence of acts happens, they equal what the
applications' statuses say, and never exceed the capacity. Property-based (hypothesis), on the
database the suite runs on (SQLite by default, PostgreSQL in CI)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidates import personal_data, seats, services
from candidates.models import Application
from candidates.tests.factories import ApplicationFactory, application_in
from candidates.workflow import Status, TransitionError
from portal.tests.factories import municipal_staff
from programmes.models import Session
from programmes.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

APPLICANTS = 6


def figures(session):
    session.refresh_from_db()
    return {field: getattr(session, field) for field in seats.FIGURES}


def derived(session):
    return seats.derived_figures([session.pk]).get(session.pk, dict.fromkeys(seats.FIGURES, 0))


class World:
    def __init__(self):
        self.agent = municipal_staff()
        self.session = SessionFactory(capacity=3)
        starting = [Status.ELIGIBLE, Status.ELIGIBLE, Status.INVITED_TO_TEST, Status.WAITLISTED, Status.SUBMITTED]
        self.applications = [application_in(status, session=self.session) for status in starting]
        self.applications.append(ApplicationFactory(session=self.session, seat_accepted=True))

    def application(self, index):
        application = Application.objects.filter(pk=self.applications[index % APPLICANTS].pk).first()
        if application is None:  # deleted with its draft: nothing to do on it
            raise TransitionError("gone")
        return application

    def act(self, name, index, number):
        application = self.application(index) if name not in {"capacity", "promote"} else None
        candidate = application.candidate if application is not None else None
        if name == "offer":
            seats.offer_seat(application, actor=self.agent)
        elif name in {"accept_offer", "decline_offer", "withdraw"}:
            if candidate is None:
                raise TransitionError("anonymised")
            services.transition(application, name, actor=candidate)
        elif name in {"waitlist", "enroll", "mark_no_show", "invite_to_interview"}:
            services.transition(application, name, actor=self.agent)
        elif name == "refuse":
            services.refuse(application, reason="interview", actor=self.agent)
        elif name == "expire":
            Application.objects.filter(pk=application.pk).update(offer_expires_at=timezone.now())
            seats.expire_offer(application.pk)
        elif name == "capacity":
            seats.update_capacity(self.session, number, actor=self.agent)
        elif name == "promote":
            seats.promote_waitlist(self.session.pk)
        elif name == "delete_account":
            if candidate is None:
                raise TransitionError("anonymised")
            personal_data.delete_account(candidate)


ACTS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "offer",
                "accept_offer",
                "decline_offer",
                "withdraw",
                "waitlist",
                "enroll",
                "mark_no_show",
                "invite_to_interview",
                "refuse",
                "expire",
                "capacity",
                "promote",
                "delete_account",
            ]
        ),
        st.integers(0, APPLICANTS - 1),
        st.integers(0, 6),
    ),
    max_size=20,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(acts=ACTS)
def test_seat_figures_always_equal_what_the_statuses_say(acts):
    with transaction.atomic():
        world = World()
        assert figures(world.session) == derived(world.session)
        for name, index, number in acts:
            try:
                with transaction.atomic():
                    world.act(name, index, number)
            except (TransitionError, ValidationError):
                pass  # refused (not possible from this status, session full, capacity too low)
            kept = figures(world.session)
            assert kept == derived(world.session), (name, index, number)
            assert world.session.seats_taken <= world.session.capacity
        transaction.set_rollback(True)


def test_recount_repairs_figures_written_around_the_services():
    session = SessionFactory(capacity=5)
    ApplicationFactory(session=session, seat_offered=True)
    ApplicationFactory(session=session, waitlisted=True)
    Session.objects.filter(pk=session.pk).update(seats_offered=4, waitlist_size=0)

    assert seats.recount([session.pk]) == 1
    assert (
        figures(session)
        == derived(session)
        == {
            "seats_offered": 1,
            "seats_accepted": 0,
            "seats_enrolled": 0,
            "waitlist_size": 1,
        }
    )
    assert seats.recount() == 0


def test_pages_read_the_figures_not_the_applications(client, django_assert_max_num_queries):
    session = SessionFactory(capacity=4)
    for _ in range(3):
        ApplicationFactory(session=session, seat_accepted=True)
    with django_assert_max_num_queries(20) as queries:
        html = client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "1 place libre sur 4" in html
    assert not any("candidates_application" in query["sql"] for query in queries.captured_queries)


def test_the_catalogue_filter_on_free_seats_reads_the_figures():
    full = SessionFactory(capacity=1)
    ApplicationFactory(session=full, seat_offered=True)
    roomy = SessionFactory(capacity=2)
    ApplicationFactory(session=roomy, seat_offered=True)
    waiting_only = SessionFactory(capacity=1)
    ApplicationFactory(session=waiting_only, waitlisted=True)

    left = set(Session.objects.filter(pk__in=[full.pk, roomy.pk, waiting_only.pk]).with_seats_left())

    assert left == {roomy, waiting_only}
    assert (full.seats_left, roomy.seats_left, waiting_only.seats_left) == (0, 1, 1)
    assert full.is_full and not roomy.is_full


def test_synthetic_candidates_keep_the_figures_right(settings):
    from django.core.management import call_command

    settings.DEBUG = False
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", "--candidates", "400", stdout=io.StringIO())
    sessions = list(Session.objects.all())
    assert any(session.seats_enrolled or session.waitlist_size for session in sessions)
    all_derived = seats.derived_figures()
    for session in sessions:
        assert {field: getattr(session, field) for field in seats.FIGURES} == all_derived.get(
            session.pk, dict.fromkeys(seats.FIGURES, 0)
        ), session.name


def test_every_move_that_counts_locks_the_session_first():
    """The lock order (session, then application) is declared by the table: every transition
    into or out of a counted status runs under the session lock."""
    from candidates.workflow import SEAT_COUNTERS, TRANSITIONS

    for spec in TRANSITIONS:
        counts = spec.target in SEAT_COUNTERS or any(source in SEAT_COUNTERS for source in spec.sources)
        assert spec.moves_seat_counters == counts, spec.name
    assert {spec.name for spec in TRANSITIONS if spec.moves_seat_counters} >= {
        "offer_seat",
        "accept_offer",
        "decline_offer",
        "expire_offer",
        "withdraw",
        "enroll",
        "mark_no_show",
        "waitlist",
        "refuse",
        "invite_to_test",
        "invite_to_interview",
    }
