"""A real Celery worker on Redis screens a submitted application, then re-screens the programme."""

import datetime

import pytest

from candidates import screening, services
from candidates.models import Application, RescreeningRun, Screening
from candidates.tests.factories import ApplicationFactory, candidate
from candidates.workflow import Status
from portal.tests.factories import municipal_staff
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker_env():
    # One application per chunk: the programme's re-screening runs as three chunk tasks.
    return {"RESCREENING_CHUNK_SIZE": "1"}


def test_real_worker_screens_a_submission_and_rescreens_the_programme(require_redis, celery_worker_process):
    start = datetime.date(2026, 9, 1)
    session = SessionFactory(starts_on=start, ends_on=start + datetime.timedelta(days=300))
    EligibilityRuleSetFactory(programme=session.programme, min_age=18, max_age=25)
    application = ApplicationFactory(session=session, candidate=candidate(birth_date=datetime.date(2001, 3, 1)))

    # Autocommit: the submission commits, then screen_application goes to Redis.
    services.transition(application, "submit", actor=application.candidate)

    celery_worker_process.wait_until(
        lambda: Screening.objects.filter(application=application).exists(), message="no screening was stored"
    )
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE
    assert "candidates.tasks.screen_application" in celery_worker_process.log()

    others = [
        ApplicationFactory(session=session, submitted=True, candidate=candidate(birth_date=birth_date))
        for birth_date in (datetime.date(2004, 5, 1), datetime.date(1980, 5, 1))
    ]
    session.programme.rule_sets.update(is_current=False)
    EligibilityRuleSetFactory(programme=session.programme, version=2, max_age=24)
    run = screening.start_rescreening(session.programme, actor=municipal_staff())

    celery_worker_process.wait_until(
        lambda: RescreeningRun.objects.get(pk=run.pk).state == RescreeningRun.State.DONE,
        message="the re-screening did not finish",
    )
    run.refresh_from_db()
    assert (run.total, run.processed, run.rescreened, run.status_changes) == (3, 3, 3, 3)
    assert run.chunks.count() == 3
    application.refresh_from_db()
    assert application.status == Status.NOT_ELIGIBLE
    assert application.current_screening.rule_set.version == 2
    assert [Application.objects.get(pk=other.pk).status for other in others] == [Status.ELIGIBLE, Status.NOT_ELIGIBLE]
    assert celery_worker_process.log().count("candidates.tasks.rescreen_programme_chunk[") >= 3
