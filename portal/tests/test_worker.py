"""The real thing: a Celery worker subprocess consumes a task from Redis and writes to the database."""

import datetime

import pytest
from django.contrib.sessions.models import Session as LoginSession
from django.db import transaction
from django.utils import timezone

from portal.tasks import clear_expired_sessions

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_consumes_a_task_from_redis_and_writes_to_the_database(celery_worker_process):
    expired = LoginSession.objects.create(
        session_key="expired-demo-session", session_data="e30=", expire_date=timezone.now() - datetime.timedelta(days=1)
    )
    current = LoginSession.objects.create(
        session_key="current-demo-session", session_data="e30=", expire_date=timezone.now() + datetime.timedelta(days=1)
    )

    celery_worker_process.publish(clear_expired_sessions)

    celery_worker_process.wait_until(
        lambda: not LoginSession.objects.filter(pk=expired.pk).exists(), message="the expired session is still there"
    )
    assert LoginSession.objects.filter(pk=current.pk).exists()
    assert "portal.tasks.clear_expired_sessions" in celery_worker_process.log()


def test_on_commit_tasks_reach_the_worker_while_it_runs(celery_worker_process):
    """Code under test that calls ``delay_on_commit`` publishes to Redis, not eagerly."""
    expired = LoginSession.objects.create(
        session_key="expired-on-commit", session_data="e30=", expire_date=timezone.now() - datetime.timedelta(days=1)
    )
    with transaction.atomic():
        clear_expired_sessions.delay_on_commit()
        # Eager mode would have run it already, inside the transaction.
        assert LoginSession.objects.filter(pk=expired.pk).exists()

    celery_worker_process.wait_until(lambda: not LoginSession.objects.filter(pk=expired.pk).exists())


def test_a_recorded_task_runs_once_however_often_its_message_arrives(celery_worker_process):
    """The worker claims the deferred-task row before running it and marks it done after: a second
    copy of the message (the sweep re-publishing, a redelivery) does nothing."""
    from portal import deferred
    from portal.models import DeferredTask

    with transaction.atomic():
        clear_expired_sessions.delay_on_commit()
    row = DeferredTask.objects.get()
    celery_worker_process.wait_until(lambda: DeferredTask.objects.get(pk=row.pk).status == "done")

    deferred.publish(row)  # a duplicate of the message
    with transaction.atomic():
        clear_expired_sessions.delay_on_commit()  # a marker behind it in the same queue
    marker = DeferredTask.objects.exclude(pk=row.pk).get()
    celery_worker_process.wait_until(lambda: DeferredTask.objects.get(pk=marker.pk).status == "done")

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("done", 1)
