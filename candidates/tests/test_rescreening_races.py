"""A programme's re-screening chunks run side by side (the screening workers' processes), on
PostgreSQL with real concurrent transactions: every application gets exactly one current
screening, the run's counters add up, and exactly one chunk (the last to commit) closes the run.
Skipped without PostgreSQL locally, a failure in CI."""

import datetime

import pytest

from candidates import screening, tasks
from candidates.models import Application, RescreeningRun, Screening
from candidates.tests.factories import ApplicationFactory, candidate
from candidates.workflow import Status
from portal.tests.concurrency import run_together
from portal.tests.factories import municipal_staff
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("require_postgresql")]

PROFILES = [
    {"birth_date": datetime.date(2001, 3, 1)},  # 25 at the session start: eligible
    {"birth_date": datetime.date(1990, 3, 1)},  # over 25: not eligible
    {"birth_date": None},  # unknown age: to be checked
]


@pytest.mark.parametrize("attempt", range(3))
def test_chunks_run_side_by_side_and_the_last_one_closes_the_run(attempt, monkeypatch):
    session = SessionFactory(starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 6, 30))
    EligibilityRuleSetFactory(programme=session.programme, min_age=18, max_age=25)
    applications = [
        ApplicationFactory(session=session, submitted=True, candidate=candidate(**PROFILES[n % 3])) for n in range(12)
    ]
    run = RescreeningRun.objects.create(programme=session.programme, requested_by=municipal_staff())
    # The chunk tasks are not run here (eagerly) but below, side by side, as the workers would.
    published = []
    monkeypatch.setattr(tasks.rescreen_programme_chunk, "delay_on_commit", published.append)
    screening.rescreen_programme(session.programme.pk, run_id=run.pk, chunk_size=2)
    chunk_ids = list(run.chunks.values_list("pk", flat=True))
    assert sorted(chunk_ids) == sorted(published) and len(chunk_ids) == 6

    # Each chunk twice, as if every task had been delivered twice: twelve calls at once.
    outcomes = run_together([lambda pk=pk: screening.rescreen_run_chunk(pk) for pk in chunk_ids * 2])

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert sum(o is not None for o in outcomes) == 6  # each chunk's work done once
    run.refresh_from_db()
    assert (run.state, run.total, run.processed, run.rescreened, run.status_changes) == ("done", 12, 12, 12, 12)
    assert run.finished_at is not None and not run.chunks.filter(finished_at__isnull=True).exists()
    assert Screening.objects.count() == 12
    assert Screening.objects.filter(superseded_at__isnull=True).count() == 12
    statuses = sorted(Application.objects.filter(pk__in=[a.pk for a in applications]).values_list("status", flat=True))
    assert statuses == sorted([Status.ELIGIBLE, Status.NOT_ELIGIBLE, Status.TO_BE_CHECKED] * 4)
