"""The screening service and its tasks: dated screenings, statuses, idempotence, after-commit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from candidates import criteria, notifications, screening, services, tasks
from candidates.models import Application, ApplicationEvent, CriterionVerification, RescreeningRun, Screening
from candidates.tests.factories import ApplicationFactory, candidate
from candidates.workflow import Actor, Status
from portal.tests.factories import UserFactory, municipal_staff
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory, centre_staff

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 9, 1)


@pytest.fixture
def session():
    session = SessionFactory(starts_on=START, ends_on=START + datetime.timedelta(days=300))
    EligibilityRuleSetFactory(
        programme=session.programme,
        min_age=18,
        max_age=25,
        max_qualification_level=4,
        priority_weights={"women": 10, "qpv_residents": 15},
        qpv_policy="priority",
    )
    return session


def draft(session, **profile):
    """A draft whose candidate is 23 at the session's start unless ``profile`` says otherwise."""
    profile = {"birth_date": datetime.date(2003, 5, 17), **profile}
    return ApplicationFactory(session=session, candidate=candidate(**profile))


def submit(application, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "submit", actor=application.candidate)
    application.refresh_from_db()
    return application


@pytest.mark.parametrize(
    ("profile", "status", "reason_code"),
    [
        ({"birth_date": datetime.date(2003, 5, 17)}, Status.ELIGIBLE, "age.ok"),
        ({"birth_date": datetime.date(2000, 9, 1)}, Status.NOT_ELIGIBLE, "age.too_old"),
        ({"birth_date": None}, Status.TO_BE_CHECKED, "age.missing"),
    ],
)
def test_submission_is_screened_after_commit(session, django_capture_on_commit_callbacks, profile, status, reason_code):
    application = submit(draft(session, **profile), django_capture_on_commit_callbacks)

    assert application.status == status
    current = application.current_screening
    assert current.superseded_at is None
    assert current.rule_set.programme == session.programme
    assert current.outcome == application.screening_outcome == status.value
    assert current.run_by is None and current.run_by_role == Actor.SYSTEM
    assert current.inputs["session_start"] == "2026-09-01"
    assert current.inputs["answers"]["postcode"] == "93500"
    age = next(c for c in current.criteria if c["code"] == "age")
    assert age["reason_code"] == reason_code
    assert age["message_fr"] and age["message_en"]
    event = application.events.get(transition__startswith="mark_")
    assert (event.from_status, event.to_status, event.actor_role) == (Status.SUBMITTED, status, Actor.SYSTEM)


def test_audience_flags_and_score_follow_the_screening(session, django_capture_on_commit_callbacks):
    application = submit(
        draft(session, gender="woman", lives_in_qpv=True, qualification_level=0, receives_rsa=True),
        django_capture_on_commit_callbacks,
    )
    assert application.priority_score == application.current_screening.priority_score == 25
    assert application.is_woman and application.is_qpv_resident and application.receives_rsa
    assert application.is_under_26_without_diploma and application.is_job_seeker
    assert not application.is_aged_50_plus and not application.has_rqth


def test_not_eligible_tells_the_candidate_the_reasons_through_the_notification_hook(
    session, django_capture_on_commit_callbacks, monkeypatch
):
    told = []
    monkeypatch.setattr(notifications, "notify_transition", lambda event: told.append(event))
    application = submit(draft(session, qualification_level=5), django_capture_on_commit_callbacks)

    assert application.status == Status.NOT_ELIGIBLE
    last = told[-1]
    assert last.to_status == Status.NOT_ELIGIBLE and last.application_id == application.pk
    assert last.reason == "qualification.too_high"
    # The notification reads the reasons, in the candidate's language, from the current screening.
    current = Application.objects.get(pk=last.application_id).current_screening
    [reason] = criteria.candidate_reasons(current, "fr")
    assert "niveau 4" in reason and "niveau 5" in reason
    assert len(criteria.candidate_reasons(current, "en")) == 1


def test_a_rolled_back_submission_screens_nothing(session, django_capture_on_commit_callbacks):
    application = draft(session)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.transition(application, "submit", actor=application.candidate)
        raise RuntimeError("the request failed after the transition")

    assert callbacks == []
    assert not Screening.objects.exists()
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_screening_twice_is_harmless(session, django_capture_on_commit_callbacks):
    application = submit(draft(session), django_capture_on_commit_callbacks)
    first = application.current_screening
    events = application.events.count()

    again = tasks.screen_application.apply(args=[application.pk]).get()

    assert again == first.pk
    assert Screening.objects.filter(application=application).count() == 1
    assert application.events.count() == events


def test_new_rules_version_supersedes_the_screening(session, django_capture_on_commit_callbacks):
    application = submit(draft(session, birth_date=datetime.date(2000, 9, 2)), django_capture_on_commit_callbacks)
    first = application.current_screening
    assert application.status == Status.ELIGIBLE

    session.programme.rule_sets.update(is_current=False)
    EligibilityRuleSetFactory(programme=session.programme, version=2, max_age=24)
    second = screening.screen(application.pk)

    application.refresh_from_db()
    first.refresh_from_db()
    assert first.superseded_at is not None
    assert application.current_screening == second and second.rule_set.version == 2
    assert application.status == Status.NOT_ELIGIBLE
    assert Screening.objects.filter(application=application, superseded_at__isnull=True).count() == 1


def test_new_answers_give_a_new_screening_without_a_new_event_when_the_status_stays(
    session, django_capture_on_commit_callbacks
):
    application = submit(draft(session), django_capture_on_commit_callbacks)
    events = application.events.count()
    profile = application.candidate.candidate_profile
    profile.gender = "man"
    profile.save()

    screening.screen(application.pk)

    application.refresh_from_db()
    assert application.screenings.count() == 2
    assert application.current_screening.inputs["answers"]["gender"] == "man"
    assert application.priority_score == 15 and not application.is_woman
    assert application.events.count() == events


def test_programme_without_rules_goes_to_staff(django_capture_on_commit_callbacks):
    application = submit(draft(SessionFactory()), django_capture_on_commit_callbacks)
    assert application.status == Status.TO_BE_CHECKED
    assert application.current_screening.rule_set is None
    assert application.current_screening.criteria[0]["reason_code"] == "rules.missing"


def test_applications_past_screening_are_left_alone(session):
    application = ApplicationFactory(session=session, waitlisted=True)
    assert screening.screen(application.pk) is None
    assert not Screening.objects.exists()


def test_anonymised_application_keeps_its_figures(session):
    application = ApplicationFactory(session=session, submitted=True, candidate=None, is_woman=True)
    assert screening.screen(application.pk) is None
    application.refresh_from_db()
    assert application.is_woman and application.status == Status.SUBMITTED


def test_task_retries_transient_database_errors(session, monkeypatch):
    application = ApplicationFactory(session=session, submitted=True, candidate=candidate(birth_date=YOUNG))
    real_screen, calls = screening.screen, []

    def flaky(application_id, **kwargs):
        calls.append(application_id)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_screen(application_id, **kwargs)

    monkeypatch.setattr(screening, "screen", flaky)
    # Eagerly (and without propagating), Celery applies the retry at once.
    result = tasks.screen_application.apply(args=[application.pk], throw=False)

    assert result.successful()

    assert calls == [application.pk, application.pk]
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE


def test_task_runs_on_the_screening_queue():
    from portal.celery import app

    assert app.amqp.router.route({}, tasks.screen_application.name)["queue"].name == "screening"
    assert app.amqp.router.route({}, tasks.rescreen_programme.name)["queue"].name == "screening"


# --- Staff verification ----------------------------------------------------------------------


@pytest.fixture
def job_seeker_session():
    session = SessionFactory(starts_on=START, ends_on=START + datetime.timedelta(days=300))
    EligibilityRuleSetFactory(programme=session.programme, job_seeker_required=True, min_job_seeker_months=12)
    return session


def test_staff_verification_creates_a_screening_that_uses_it(job_seeker_session, django_capture_on_commit_callbacks):
    application = submit(draft(job_seeker_session), django_capture_on_commit_callbacks)
    assert application.status == Status.TO_BE_CHECKED
    assert application.current_screening.criteria[0]["needs"] == ["document:job_seeker_proof"]
    agent = municipal_staff()

    verification = screening.verify_criterion(
        application, criterion="job_seeker", decision="verified", comment="Attestation du 3 mars vue.", actor=agent
    )

    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE
    current = application.current_screening
    assert verification.screening == current
    assert (current.run_by, current.run_by_role) == (agent, Actor.MUNICIPAL_STAFF)
    assert current.inputs["answers"]["verifications"] == {"job_seeker": "verified"}
    assert current.criteria[0]["reason_code"] == "verified"
    event = application.events.get(transition="mark_eligible")
    assert (event.actor, event.actor_role) == (agent, Actor.MUNICIPAL_STAFF)
    assert CriterionVerification.objects.get().comment == "Attestation du 3 mars vue."


def test_staff_rejection_makes_the_application_not_eligible(job_seeker_session, django_capture_on_commit_callbacks):
    application = submit(draft(job_seeker_session), django_capture_on_commit_callbacks)
    agent = municipal_staff()
    screening.verify_criterion(
        application, criterion="job_seeker", decision="rejected", comment="Inscrite depuis 4 mois.", actor=agent
    )
    application.refresh_from_db()
    assert application.status == Status.NOT_ELIGIBLE
    # The latest decision wins; the first one stays as the log.
    screening.verify_criterion(
        application, criterion="job_seeker", decision="verified", comment="Nouvelle attestation.", actor=agent
    )
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE
    assert application.criterion_verifications.count() == 2
    assert application.screenings.count() == 3


def test_verification_needs_a_comment_and_a_known_criterion(job_seeker_session):
    application = ApplicationFactory(session=job_seeker_session, submitted=True)
    with pytest.raises(ValidationError) as error:
        screening.verify_criterion(
            application, criterion="shoe_size", decision="maybe", comment=" ", actor=municipal_staff()
        )
    assert set(error.value.message_dict) == {"criterion", "decision", "comment"}
    assert not CriterionVerification.objects.exists()


@pytest.mark.parametrize("who", ["candidate", "centre_staff", "staff_outside_the_municipal_group"])
def test_only_municipal_staff_verify(job_seeker_session, who):
    application = ApplicationFactory(session=job_seeker_session, submitted=True)
    if who == "candidate":
        actor = application.candidate
    elif who == "centre_staff":
        actor = centre_staff(application.session.site.provider)
    else:
        actor = UserFactory()
        actor.is_staff = True
        actor.save()
    with pytest.raises(PermissionDenied):
        screening.verify_criterion(application, criterion="job_seeker", decision="verified", comment="ok", actor=actor)
    assert not CriterionVerification.objects.exists()


# --- Batch re-screening ----------------------------------------------------------------------


def _state(application):
    application.refresh_from_db()
    current = application.current_screening
    return (
        application.status,
        application.priority_score,
        application.is_woman,
        current.outcome,
        current.criteria,
        current.inputs,
        current.signature,
        list(application.events.values_list("transition", "from_status", "to_status", "reason")),
    )


YOUNG = datetime.date(2003, 5, 17)
PROFILES = [
    {"birth_date": YOUNG},
    {"birth_date": datetime.date(2000, 9, 1)},
    {"birth_date": None},
    {"birth_date": YOUNG, "qualification_level": 6, "gender": "man"},
    {"birth_date": YOUNG, "qualification_level": 0, "lives_in_qpv": False},
]


def test_batch_and_single_paths_agree(session):
    singles = [ApplicationFactory(session=session, submitted=True, candidate=candidate(**p)) for p in PROFILES]
    batched = [ApplicationFactory(session=session, submitted=True, candidate=candidate(**p)) for p in PROFILES]

    for application in singles:
        screening.screen(application.pk)
    report = screening.rescreen([a.pk for a in batched], chunk_size=2)

    assert (report.processed, report.rescreened, report.status_changes) == (5, 5, 5)
    assert [_state(a) for a in batched] == [_state(a) for a in singles]
    assert Application.history.filter(id__in=[a.pk for a in batched], status=Status.NOT_ELIGIBLE).count() == 2


def test_batch_rescreens_a_programme_with_progress_and_is_idempotent(session, django_capture_on_commit_callbacks):
    applications = [ApplicationFactory(session=session, submitted=True, candidate=candidate(**p)) for p in PROFILES]
    ApplicationFactory(session=session, waitlisted=True)  # past screening: not touched
    ApplicationFactory(submitted=True)  # another programme
    agent = municipal_staff()

    with django_capture_on_commit_callbacks(execute=True):
        run = screening.start_rescreening(session.programme, actor=agent)

    run.refresh_from_db()
    assert (run.state, run.total, run.processed, run.rescreened, run.status_changes) == ("done", 5, 5, 5, 5)
    assert run.percent == 100 and run.finished_at
    assert Screening.objects.count() == 5
    assert set(Screening.objects.values_list("run_by", flat=True)) == {agent.pk}
    events = ApplicationEvent.objects.filter(transition__startswith="mark_")
    assert events.count() == 5 and {e.actor_id for e in events} == {agent.pk}

    with django_capture_on_commit_callbacks(execute=True):
        again = screening.rescreen_programme(session.programme.pk)
    again.refresh_from_db()
    assert (again.state, again.processed, again.rescreened, again.status_changes) == ("done", 5, 0, 0)
    assert Screening.objects.count() == 5 and events.count() == 5
    assert all(a.screenings.filter(superseded_at__isnull=True).count() == 1 for a in applications)


def test_batch_is_cut_into_chunks_one_task_each_and_the_last_chunk_closes_the_run(
    session, django_capture_on_commit_callbacks
):
    applications = [ApplicationFactory(session=session, submitted=True, candidate=candidate(**p)) for p in PROFILES]

    with django_capture_on_commit_callbacks() as published:
        run = screening.rescreen_programme(session.programme.pk, chunk_size=2)

    # Three chunks (2 + 2 + 1), each a task enqueued only once the run's chunks are committed.
    chunks = list(run.chunks.order_by("number"))
    assert [len(c.application_ids) for c in chunks] == [2, 2, 1]
    assert sorted(i for c in chunks for i in c.application_ids) == sorted(a.pk for a in applications)
    assert len(published) == 3 and (run.state, run.total, run.processed) == ("running", 5, 0)

    screening.rescreen_run_chunk(chunks[2].pk)
    screening.rescreen_run_chunk(chunks[0].pk)
    run.refresh_from_db()
    assert (run.state, run.processed, run.rescreened) == ("running", 3, 3)
    # A chunk delivered twice (acks_late after a worker died) does nothing the second time.
    assert screening.rescreen_run_chunk(chunks[0].pk) is None
    run.refresh_from_db()
    assert (run.processed, run.rescreened) == (3, 3) and Screening.objects.count() == 3

    # The run's own task delivered again enqueues only the chunk not finished yet.
    with django_capture_on_commit_callbacks() as republished:
        screening.rescreen_programme(session.programme.pk, run_id=run.pk, chunk_size=2)
    assert len(republished) == 1 and run.chunks.count() == 3

    screening.rescreen_run_chunk(chunks[1].pk)
    run.refresh_from_db()
    assert (run.state, run.processed, run.rescreened, run.status_changes) == ("done", 5, 5, 5)
    assert run.finished_at is not None


def test_a_chunk_that_gives_up_marks_its_run_failed(session, monkeypatch, django_capture_on_commit_callbacks):
    from candidates import tasks

    ApplicationFactory(session=session, submitted=True, candidate=candidate(**PROFILES[0]))
    with django_capture_on_commit_callbacks():
        run = screening.rescreen_programme(session.programme.pk)

    def broken(*args, **kwargs):
        raise ValueError("a bug with a candidate's name in it")

    monkeypatch.setattr(screening, "rescreen_chunk", broken)
    # As a worker runs it: the failure is handled by the task (on_failure), not raised to the caller.
    result = tasks.rescreen_programme_chunk.apply(args=[run.chunks.get().pk], throw=False)

    assert result.failed()
    run.refresh_from_db()
    assert (run.state, run.error, run.processed) == ("failed", "ValueError", 0)
    assert run.finished_at is not None
    # Nothing was written for the chunk: its transaction was rolled back.
    assert not Screening.objects.exists() and not run.chunks.filter(finished_at__isnull=False).exists()


def test_batch_after_a_rules_change_supersedes_and_moves(session):
    applications = [ApplicationFactory(session=session, submitted=True, candidate=candidate(**p)) for p in PROFILES]
    screening.rescreen([a.pk for a in applications])
    session.programme.rule_sets.update(is_current=False)
    EligibilityRuleSetFactory(programme=session.programme, version=2)  # no restriction any more

    report = screening.rescreen([a.pk for a in applications])

    assert (report.rescreened, report.status_changes) == (5, 3)
    assert Screening.objects.filter(superseded_at__isnull=True).count() == 5
    assert Screening.objects.filter(superseded_at__isnull=False).count() == 5
    assert {a.status for a in Application.objects.filter(pk__in=[a.pk for a in applications])} == {Status.ELIGIBLE}


def _chunk_queries(session, count):
    ids = [
        ApplicationFactory(session=session, submitted=True, candidate=candidate(**PROFILES[i % len(PROFILES)])).pk
        for i in range(count)
    ]
    with CaptureQueriesContext(connection) as queries:
        report = screening.rescreen_chunk(ids)
    assert report.rescreened == count
    # The outbox's bulk insert is split by SQLite's limit on query parameters: its business.
    return len([q for q in queries.captured_queries if not q["sql"].startswith('INSERT INTO "portal_outgoingemail"')])


def test_batch_queries_do_not_grow_with_the_chunk(session):
    few, many = _chunk_queries(session, 2 * len(PROFILES)), _chunk_queries(session, 12 * len(PROFILES))
    # The screening itself, then the status changes through the workflow service's bulk path and
    # their emails (notifications.notify_transitions).
    assert few == many <= 26


def test_rescreening_runs_only_for_municipal_staff(session):
    with pytest.raises(PermissionDenied):
        screening.start_rescreening(session.programme, actor=UserFactory())
    assert not RescreeningRun.objects.exists()


def test_a_birth_date_verified_by_franceconnect_is_counted_as_checked(session, django_capture_on_commit_callbacks):
    """The age criterion needs no check by staff, and the dated screening says who vouched for it."""
    application = submit(
        draft(session, identity_verified_by="franceconnect", identity_verified_at=datetime.datetime.now(datetime.UTC)),
        django_capture_on_commit_callbacks,
    )

    current = application.current_screening
    age = next(c for c in current.criteria if c["code"] == "age")
    assert (age["status"], age["reason_code"]) == ("met", "age.franceconnect")
    assert "vérifiée par FranceConnect" in age["message_fr"] and "FranceConnect" in age["message_en"]
    assert current.inputs["answers"]["birth_date_verified_by"] == "franceconnect"


def test_declared_birth_dates_keep_their_screening_inputs(session, django_capture_on_commit_callbacks):
    """Without a verification the inputs are what they were: earlier screenings stay current."""
    application = submit(draft(session), django_capture_on_commit_callbacks)

    assert "birth_date_verified_by" not in application.current_screening.inputs["answers"]
