"""portal.deferred: tasks enqueued by services are recorded in the business transaction, survive a
broker outage (the request answers as usual), and run exactly once when the broker is back."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from portal import deferred
from portal.models import DeferredTask
from portal.tasks import clear_expired_sessions
from portal.tests.factories import give_second_factor

pytestmark = pytest.mark.django_db


def test_a_task_is_recorded_in_the_transaction_and_done_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        clear_expired_sessions.delay_on_commit()
        row = DeferredTask.objects.get()
        assert (row.task_name, row.status) == ("portal.tasks.clear_expired_sessions", "pending")

    row.refresh_from_db()
    assert (row.status, row.finished_at is not None) == ("done", True)


def test_a_rolled_back_transaction_records_and_runs_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        clear_expired_sessions.delay_on_commit()
        raise RuntimeError

    assert not callbacks
    assert not DeferredTask.objects.exists()


def test_a_run_is_claimed_once():
    row = DeferredTask.objects.create(task_name="portal.tasks.clear_expired_sessions")

    assert deferred.claim(row.pk) is True
    assert deferred.claim(row.pk) is False  # a second copy of the message while the first runs
    deferred.finish(row.pk)
    assert deferred.claim(row.pk) is False  # a copy delivered after the run
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("done", 1)


def test_a_run_whose_worker_died_is_taken_again_after_the_lease(settings):
    row = DeferredTask.objects.create(task_name="portal.tasks.clear_expired_sessions")
    assert deferred.claim(row.pk)
    DeferredTask.objects.filter(pk=row.pk).update(started_at=timezone.now() - datetime.timedelta(seconds=400))
    settings.DEFERRED_TASK_LEASE = 360

    assert deferred.claim(row.pk) is True
    row.refresh_from_db()
    assert row.attempts == 2


def test_a_task_that_gives_up_is_failed_and_can_be_retried(django_capture_on_commit_callbacks, monkeypatch):
    from portal import tasks

    monkeypatch.setattr(tasks, "call_command", _boom)
    with pytest.raises(ValueError), django_capture_on_commit_callbacks(execute=True):
        clear_expired_sessions.delay_on_commit()
    row = DeferredTask.objects.get()
    assert (row.status, row.last_error) == ("failed", "ValueError")

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert deferred.retry(DeferredTask.objects.all()) == 1
    row.refresh_from_db()
    assert row.status == "done"


def _boom(*args, **kwargs):
    raise ValueError("boom")


def test_old_finished_rows_are_purged():
    now = timezone.now()
    old_done = DeferredTask.objects.create(task_name="t", status="done", finished_at=now - datetime.timedelta(days=8))
    recent = DeferredTask.objects.create(task_name="t", status="done", finished_at=now - datetime.timedelta(days=6))
    pending = DeferredTask.objects.create(task_name="t", created_at=now - datetime.timedelta(days=60))

    assert deferred.purge_finished_tasks(now=now) == 1

    assert set(DeferredTask.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}
    assert not DeferredTask.objects.filter(pk=old_done.pk).exists()


def test_the_sweeps_are_scheduled(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"portal.tasks.requeue_deferred_tasks", "portal.tasks.purge_finished_tasks"} <= scheduled


def test_superusers_follow_and_retry_tasks_in_the_admin(client, django_user_model, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from portal.tests.factories import municipal_staff

    row = DeferredTask.objects.create(task_name="portal.tasks.clear_expired_sessions", status="failed")
    client.force_login(municipal_staff())
    assert client.get(reverse("admin:portal_deferredtask_changelist")).status_code == 403
    superuser = django_user_model.objects.create_superuser("dsi@paris.example.org", "x")
    give_second_factor(superuser)
    client.force_login(superuser)
    assert "clear_expired_sessions" in client.get(reverse("admin:portal_deferredtask_changelist")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:portal_deferredtask_changelist"), {"action": "retry_tasks", "_selected_action": [row.pk]}
        )

    row.refresh_from_db()
    assert row.status == "done"
