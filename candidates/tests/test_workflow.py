"""The workflow table and its one service: every allowed move by every allowed actor works and
leaves a history event; every other move is refused with a message naming the action and status;
side effects leave only after commit."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from candidates import screening, services
from candidates import tasks as candidate_tasks
from candidates.models import ApplicationEvent, Appointment
from candidates.tests.factories import AdviserOrganisationFactory, SupportFactory, adviser, application_in
from candidates.workflow import (
    FINAL_STATUSES,
    RETIRED_REFUSAL_REASONS,
    TRANSITIONS,
    TRANSITIONS_BY_NAME,
    VISIBLE_TO_CENTRE_STATUSES,
    Actor,
    RefusalReason,
    Releases,
    Status,
    active_refusal_reasons,
)
from portal import doors
from portal.models import OutgoingEmail
from portal.tests.factories import UserFactory, municipal_staff
from programmes.tests.factories import SessionFactory, centre_staff

pytestmark = pytest.mark.django_db


def user_for(actor, application):
    """A user acting in ``actor``'s role on ``application`` (None for the system). For an adviser,
    the application becomes one their organisation prepared, for a person who lets it follow them."""
    if actor == Actor.SYSTEM:
        return None
    if actor == Actor.CANDIDATE:
        return application.candidate
    if actor == Actor.MUNICIPAL_STAFF:
        return municipal_staff()
    if actor == Actor.ADVISER:
        organisation = AdviserOrganisationFactory()
        with doors.service_write():
            application.oriented_by = organisation
            application.save(update_fields=["oriented_by"])
        SupportFactory(organisation=organisation, person=application.candidate)
        return adviser(organisation)
    return centre_staff(application.session.site.provider)


ALLOWED = [
    pytest.param(spec.name, source, actor, id=f"{spec.name}-{source}-{actor}")
    for spec in TRANSITIONS
    for source in sorted(spec.sources)
    for actor in sorted(spec.actors)
    # Centre staff act only on what their centre sees (eligible onwards): tested apart below.
    if actor != Actor.CENTRE_STAFF or source in VISIBLE_TO_CENTRE_STATUSES
]


@pytest.fixture
def side_effects(monkeypatch):
    """Record the screening runs and freed-seat tasks the transactions really let through."""
    calls = []
    monkeypatch.setattr(screening, "screen", lambda pk, **kw: calls.append(("screen", pk)))
    monkeypatch.setattr(
        candidate_tasks.seats, "promote_waitlist", lambda session_id: calls.append(("fill", session_id))
    )
    return calls


@pytest.mark.parametrize(("name", "source", "actor"), ALLOWED)
def test_every_allowed_transition_by_every_allowed_actor(
    name, source, actor, side_effects, django_capture_on_commit_callbacks
):
    spec = TRANSITIONS_BY_NAME[name]
    application = application_in(source, wish_rank=2)
    if spec.releases is Releases.LOWER:
        # Holding a seat « en attendant mieux » needs a better wish still in play.
        application_in(
            Status.ELIGIBLE,
            candidate=application.candidate,
            session=SessionFactory(programme=application.session.programme),
            wish_rank=1,
        )
    user = user_for(actor, application)

    with django_capture_on_commit_callbacks(execute=True):
        result = services.transition(application, name, actor=user, reason="contrôle")

    application.refresh_from_db()
    assert application.status == spec.target
    event = ApplicationEvent.objects.get(application=application)
    assert result.event == event
    assert (event.transition, event.from_status, event.to_status) == (name, source, spec.target)
    assert (event.actor, event.actor_role, event.reason) == (user, actor, "contrôle")
    # The audit trail (simple-history) has the same change, with its reason.
    latest = application.history.first()
    assert latest.status == spec.target and latest.history_change_reason == "contrôle"
    if spec.target == Status.SUBMITTED:
        assert side_effects == [("screen", application.pk)]
    elif spec.releases_seat(source):
        assert side_effects == [("fill", application.session_id)]
    else:
        assert side_effects == []


@pytest.mark.parametrize("spec", TRANSITIONS, ids=lambda s: s.name)
def test_every_transition_from_a_wrong_status_is_refused_with_a_clear_message(spec):
    actor = sorted(spec.actors - {Actor.CENTRE_STAFF})[0]
    for status in set(Status) - spec.sources - {spec.target}:
        application = application_in(status)
        with pytest.raises(services.TransitionNotAllowed) as refused:
            services.transition(application, spec.name, actor=user_for(actor, application))
        message = str(refused.value)
        assert str(spec.label) in message and str(status.label) in message, message
        application.refresh_from_db()
        assert application.status == status
    assert not ApplicationEvent.objects.exists()


@pytest.mark.parametrize("spec", TRANSITIONS, ids=lambda s: s.name)
def test_every_transition_by_a_wrong_actor_is_refused(spec):
    source = sorted(spec.sources)[0]
    for actor in set(Actor) - spec.actors:
        application = application_in(source)
        with pytest.raises(services.TransitionNotAllowed) as refused:
            services.transition(application, spec.name, actor=user_for(actor, application))
        assert str(spec.label) in str(refused.value)
        application.refresh_from_db()
        assert application.status == source
    assert not ApplicationEvent.objects.exists()


def test_strangers_hold_no_role():
    application = application_in(Status.ELIGIBLE)
    other_centre = centre_staff(application_in(Status.ELIGIBLE).session.site.provider)
    for user in (UserFactory(), application_in(Status.ELIGIBLE).candidate, other_centre, UserFactory(is_staff=False)):
        assert services.roles_of(user, application) == set()
        with pytest.raises(services.TransitionNotAllowed):
            services.transition(application, "invite_to_test", actor=user)


def test_centre_staff_do_not_act_before_the_application_reaches_their_centre():
    application = application_in(Status.SUBMITTED)
    staff = centre_staff(application.session.site.provider)
    with pytest.raises(services.TransitionNotAllowed):
        services.refuse(application, reason=RefusalReason.INCOMPLETE, actor=staff)
    assert services.roles_of(staff, application) == set()


def test_an_agent_is_only_a_candidate_on_their_own_application():
    agent = municipal_staff()
    application = application_in(Status.ELIGIBLE, candidate=agent)
    assert services.roles_of(agent, application) == {Actor.CANDIDATE}
    with pytest.raises(services.TransitionNotAllowed):
        services.transition(application, "invite_to_test", actor=agent)


def test_an_inactive_agent_holds_no_role():
    agent = municipal_staff(is_active=False)
    assert services.roles_of(agent, application_in(Status.ELIGIBLE)) == set()


def test_a_repeated_click_says_already_done_and_writes_nothing_more():
    application = application_in(Status.ELIGIBLE)
    agent = municipal_staff()
    services.transition(application, "waitlist", actor=agent)
    with pytest.raises(services.TransitionAlreadyDone, match="déjà"):
        services.transition(application, "waitlist", actor=agent)
    assert application.events.count() == 1


def test_an_unknown_transition_is_refused():
    with pytest.raises(services.TransitionNotAllowed, match="inconnue"):
        services.transition(application_in(Status.ELIGIBLE), "teleport", actor=municipal_staff())


def test_changes_cannot_smuggle_a_status_or_unknown_fields():
    application = application_in(Status.ELIGIBLE)
    with pytest.raises(ValueError):
        services.transition(application, "waitlist", actor=municipal_staff(), status=Status.ENROLLED)
    with pytest.raises(ValueError):
        services.transition(application, "waitlist", actor=municipal_staff(), colour="red")
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE


def test_offer_without_deadline_gets_the_programme_deadline():
    application = application_in(Status.ELIGIBLE)
    application.session.programme.offer_deadline_days = 3
    application.session.programme.save()
    before = timezone.now()
    services.transition(application, "offer_seat", actor=None)
    assert before + datetime.timedelta(days=3) <= application.offer_expires_at
    assert application.offer_expires_at <= timezone.now() + datetime.timedelta(days=3)


def test_leaving_an_offer_clears_its_deadline():
    application = application_in(Status.SEAT_OFFERED)
    services.transition(application, "accept_offer", actor=application.candidate)
    assert application.status == Status.SEAT_ACCEPTED and application.offer_expires_at is None


def test_waitlisting_dates_the_place_in_the_queue():
    application = application_in(Status.ELIGIBLE)
    services.transition(application, "waitlist", actor=municipal_staff())
    assert application.waitlisted_at is not None


def test_invite_creates_the_appointment_with_the_transition():
    application = application_in(Status.ELIGIBLE)
    agent = municipal_staff()
    starts_at = timezone.now() + datetime.timedelta(days=5)
    result, appointment = services.invite(
        application,
        kind=Appointment.Kind.INTERVIEW,
        starts_at=starts_at,
        place="LePoleS, Villeneuve-la-Garenne",
        what_to_bring="Pièce d'identité",
        actor=agent,
    )
    assert application.status == Status.INVITED_TO_INTERVIEW
    assert (appointment.kind, appointment.place, appointment.created_by) == (
        "interview",
        "LePoleS, Villeneuve-la-Garenne",
        agent,
    )
    assert result.event.transition == "invite_to_interview"


def test_a_refused_invitation_leaves_no_appointment():
    application = application_in(Status.REFUSED)
    with pytest.raises(services.TransitionNotAllowed):
        services.invite(
            application, kind=Appointment.Kind.TEST, starts_at=timezone.now(), place="Pantin", actor=municipal_staff()
        )
    assert not Appointment.objects.exists()


def test_invite_to_an_information_meeting_is_not_a_transition():
    with pytest.raises(services.TransitionNotAllowed):
        services.invite(
            application_in(Status.ELIGIBLE),
            kind=Appointment.Kind.INFORMATION_MEETING,
            starts_at=timezone.now(),
            place="Pantin",
            actor=municipal_staff(),
        )
    assert not Appointment.objects.exists()


def test_refusal_shared_with_the_candidate_keeps_the_message():
    application = application_in(Status.INVITED_TO_INTERVIEW)
    message = RefusalReason.INTERVIEW.prepared_message
    result = services.refuse(
        application, reason=RefusalReason.INTERVIEW, actor=municipal_staff(), share_reason=True, message=message
    )
    assert application.status == Status.REFUSED
    assert (application.refusal_reason, application.refusal_reason_shared) == ("interview", True)
    assert application.refusal_message == message
    assert str(RefusalReason.INTERVIEW.label) in result.event.reason and str(message) in result.event.reason
    # The audit trail keeps what fits in its column (100 characters on PostgreSQL).
    assert len(application.history.first().history_change_reason) <= 100


def test_refusal_not_shared_sends_no_personal_message():
    application = application_in(Status.ELIGIBLE)
    services.refuse(application, reason=RefusalReason.SESSION_FULL, actor=municipal_staff(), message="note interne")
    assert (application.refusal_reason_shared, application.refusal_message) == (False, "")
    assert "note interne" in application.events.get().reason


def test_retired_reasons_cannot_be_chosen_but_stay_readable():
    retired = RefusalReason.NOT_PRIORITY_AUDIENCE
    assert retired in RETIRED_REFUSAL_REASONS and retired.is_retired
    assert retired.value not in dict(active_refusal_reasons())
    with pytest.raises(services.TransitionNotAllowed):
        services.refuse(application_in(Status.ELIGIBLE), reason=retired, actor=municipal_staff())
    # An application refused for it before the reason was retired still reads well.
    old = application_in(Status.REFUSED, refusal_reason=retired)
    assert old.get_refusal_reason_display() == retired.label


def test_every_active_reason_but_other_has_a_prepared_message():
    for value, _label in active_refusal_reasons():
        assert bool(RefusalReason(value).prepared_message) == (value != RefusalReason.OTHER)


def test_every_status_is_reachable_and_final_statuses_are_dead_ends():
    targets = {spec.target for spec in TRANSITIONS}
    assert set(Status) - {Status.DRAFT} <= targets
    for status in FINAL_STATUSES - {Status.NOT_ELIGIBLE}:
        assert not [spec for spec in TRANSITIONS if status in spec.sources], status


def test_transitions_for_lists_the_buttons_of_each_role():
    application = application_in(Status.SEAT_OFFERED)
    assert {spec.name for spec, _ in services.transitions_for(application.candidate, application)} == {
        "accept_offer",
        "hold_offer",
        "decline_offer",
        "withdraw",
    }
    assert services.transitions_for(municipal_staff(), application) == []
    eligible = application_in(Status.ELIGIBLE)
    names = [spec.name for spec, role in services.transitions_for(municipal_staff(), eligible)]
    assert names == [
        "mark_not_eligible",
        "mark_to_be_checked",
        "invite_to_test",
        "invite_to_interview",
        "waitlist",
        "offer_seat",
        "refuse",
    ]


# --- Side effects after commit only ------------------------------------------------------------


class Boom(Exception):
    pass


def test_a_rolled_back_submission_schedules_no_screening(side_effects, django_capture_on_commit_callbacks):
    application = application_in(Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        services.transition(application, "submit", actor=application.candidate)
        raise Boom
    assert callbacks == [] and side_effects == []
    application.refresh_from_db()
    assert application.status == Status.DRAFT and not application.events.exists()


def test_a_committed_submission_screens_only_after_commit(side_effects, django_capture_on_commit_callbacks):
    application = application_in(Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.transition(application, "submit", actor=application.candidate)
        assert side_effects == []  # not before commit
    assert len(callbacks) == 2  # the screening, and sending the "application received" email
    for callback in callbacks:
        callback()
    assert side_effects == [("screen", application.pk)]


def test_a_rolled_back_release_frees_no_seat(side_effects, django_capture_on_commit_callbacks):
    application = application_in(Status.SEAT_OFFERED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        services.transition(application, "decline_offer", actor=application.candidate)
        raise Boom
    assert callbacks == [] and side_effects == []


def test_notifications_are_written_in_the_transaction_and_vanish_with_it(
    monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    seen = []
    real = services.notifications.notify_transition
    monkeypatch.setattr(services.notifications, "notify_transition", lambda event: (seen.append(event), real(event)))
    application = application_in(Status.ELIGIBLE)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom), transaction.atomic():
        services.transition(application, "waitlist", actor=municipal_staff())
        raise Boom
    assert len(seen) == 1 and seen[0].to_status == Status.WAITLISTED
    assert not OutgoingEmail.objects.exists() and mailoutbox == []
    assert not ApplicationEvent.objects.exists()


# --- Bulk moves (re-screening) ------------------------------------------------------------------


def test_transition_in_bulk_follows_the_table_and_records_everything(monkeypatch):
    notified = []
    monkeypatch.setattr(services.notifications, "notify_transitions", lambda events: notified.extend(events))
    eligible = application_in(Status.ELIGIBLE)
    checked = application_in(Status.TO_BE_CHECKED)
    enrolled = application_in(Status.ENROLLED)
    moves = [
        services.Move(eligible.pk, Status.ELIGIBLE, "mark_not_eligible", "règles v2"),
        services.Move(checked.pk, Status.TO_BE_CHECKED, "mark_eligible", "justificatif vu"),
        services.Move(enrolled.pk, Status.ENROLLED, "mark_not_eligible", "trop tard"),  # forbidden: skipped
    ]
    events = services.transition_in_bulk(moves, actor=None)
    assert [(e.application_id, e.to_status, e.actor_role) for e in events] == [
        (eligible.pk, Status.NOT_ELIGIBLE, Actor.SYSTEM),
        (checked.pk, Status.ELIGIBLE, Actor.SYSTEM),
    ]
    for application, status in (
        (eligible, Status.NOT_ELIGIBLE),
        (checked, Status.ELIGIBLE),
        (enrolled, Status.ENROLLED),
    ):
        application.refresh_from_db()
        assert application.status == status
    assert eligible.history.first().status == Status.NOT_ELIGIBLE
    assert eligible.history.first().history_change_reason == "mark_not_eligible"
    assert notified == events


def test_transition_in_bulk_refuses_side_effects_and_strangers():
    application = application_in(Status.ELIGIBLE)
    with pytest.raises(ValueError):
        services.transition_in_bulk([services.Move(application.pk, Status.ELIGIBLE, "offer_seat")], actor=None)
    with pytest.raises(services.TransitionNotAllowed):
        services.transition_in_bulk(
            [services.Move(application.pk, Status.ELIGIBLE, "mark_not_eligible")], actor=UserFactory()
        )
    agent = municipal_staff()
    own = application_in(Status.ELIGIBLE, candidate=agent)
    assert services.transition_in_bulk([services.Move(own.pk, Status.ELIGIBLE, "mark_not_eligible")], actor=agent) == []
    own.refresh_from_db()
    assert own.status == Status.ELIGIBLE


# --- Emails (through the outbox) ----------------------------------------------------------------


def test_refusal_email_leaves_only_after_commit_with_the_shared_message(mailoutbox, django_capture_on_commit_callbacks):
    application = application_in(Status.INVITED_TO_INTERVIEW)
    message = "Votre projet doit mûrir : revenez nous voir à la prochaine session."
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.refuse(
            application, reason=RefusalReason.INTERVIEW, actor=municipal_staff(), share_reason=True, message=message
        )
        assert OutgoingEmail.objects.filter(application=application, kind="refusal").count() == 1
    assert mailoutbox == []  # written in the transaction, not sent yet
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [application.candidate.email]
    assert message in email.body and str(RefusalReason.INTERVIEW.label) in email.body


def test_an_unshared_refusal_email_carries_no_reason(mailoutbox, django_capture_on_commit_callbacks):
    application = application_in(Status.ELIGIBLE)
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse(application, reason=RefusalReason.TEST_FAILED, actor=municipal_staff(), message="notes du jury")
    assert len(mailoutbox) == 1
    assert str(RefusalReason.TEST_FAILED.label) not in mailoutbox[0].body
    assert "notes du jury" not in mailoutbox[0].body


def test_a_rolled_back_invitation_sends_nothing(mailoutbox, django_capture_on_commit_callbacks):
    application = application_in(Status.ELIGIBLE)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom), transaction.atomic():
        services.invite(
            application,
            kind=Appointment.Kind.TEST,
            starts_at=timezone.now() + datetime.timedelta(days=3),
            place="Pantin",
            actor=municipal_staff(),
        )
        assert OutgoingEmail.objects.filter(application=application).exists()
        raise Boom
    assert not OutgoingEmail.objects.exists() and mailoutbox == []


@pytest.mark.parametrize("spec", [s for s in TRANSITIONS if s.moves_seat_counters][:1], ids=lambda s: s.name)
def test_a_move_that_locks_its_session_first_never_takes_the_application_as_already_locked(spec):
    """already_locked (a submission's lock, taken by the caller) skips the application's lock: a
    move that must lock its session before it would take the locks out of order."""
    application = application_in(sorted(spec.sources)[0])
    with transaction.atomic(), pytest.raises(ValueError):
        services.transition(application, spec.name, actor=None, savepoint=False, already_locked=True)
