"""The outbox with a real Celery worker on Redis and a real SMTP server: a send task delivered
twice sends one email (also when the first worker is killed mid-send, before its ack), and emails
queued while the broker is down go out once the beat's sweep runs."""

import os
import signal
import time

import pytest
from django.conf import settings
from django.db import transaction

from conftest import _use_broker
from portal import outbox, tasks
from portal.celery import app
from portal.models import OutgoingEmail
from portal.tests.smtp import SmtpSink, free_port

pytestmark = [pytest.mark.worker, pytest.mark.smtp, pytest.mark.django_db(transaction=True)]

Status = OutgoingEmail.Status
VISIBILITY_TIMEOUT = 2


@pytest.fixture
def sink():
    with SmtpSink() as server:
        yield server


@pytest.fixture
def celery_worker_env(sink):
    return {
        "EMAIL_URL": sink.url,
        # A task whose worker died goes to another worker after this many seconds (1 h in production).
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        # The sweep picks up every queued row at once (5 min in production).
        "OUTBOX_QUEUED_GRACE": "0",
    }


def queue(n=1, prefix="worker"):
    with transaction.atomic():
        return [
            outbox.queue_email(
                kind="application_received",
                to=f"candidate{i}@example.org",
                template="application_received",
                idempotency_key=f"{prefix}:{i}",
                context={"session": {"name": "Développeur web"}, "application_url": "http://testserver/"},
            )
            for i in range(n)
        ]


def statuses():
    return sorted(OutgoingEmail.objects.values_list("status", flat=True))


def test_a_send_task_delivered_twice_sends_one_email(celery_worker_process, sink):
    [email] = queue()  # the commit publishes the task once…
    celery_worker_process.publish(tasks.send_outgoing_email, email.pk)  # …and here it comes again

    celery_worker_process.wait_until(lambda: statuses() == [Status.SENT], message="the email was not sent")
    celery_worker_process.wait_until(
        lambda: celery_worker_process.log().count("succeeded") >= 2, message="the second delivery did not run"
    )
    assert sink.message_ids() == [outbox.message_id(email)]
    assert OutgoingEmail.objects.get().attempts == 1


def test_a_worker_killed_mid_send_before_its_ack_does_not_send_twice(celery_worker_process, sink):
    """acks_late: the killed worker's task is handed to the next worker, which finds the row
    already claimed and leaves it alone."""
    sink.hold()  # the server takes the message, then keeps the worker waiting for its "250"
    [email] = queue()
    celery_worker_process.wait_until(lambda: len(sink.messages) == 1, message="the worker did not send")
    assert statuses() == [Status.SENDING]

    os.killpg(celery_worker_process.pid, signal.SIGKILL)  # no ack, no cleanup
    celery_worker_process.process.wait(timeout=10)
    sink.release()

    time.sleep(VISIBILITY_TIMEOUT + 0.5)
    celery_worker_process.start()  # the next worker gets the unacknowledged task back
    celery_worker_process.wait_until(
        lambda: "send_outgoing_email" in celery_worker_process.log() and "succeeded" in celery_worker_process.log(),
        timeout=30,
        message="the unacknowledged task was not redelivered",
    )
    assert sink.message_ids() == [outbox.message_id(email)]
    assert statuses() == [Status.SENDING]  # left to the sweep after OUTBOX_SENDING_TIMEOUT


def test_emails_queued_while_the_broker_is_down_leave_with_the_beat_sweep(celery_worker_process, sink, caplog):
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    _use_broker(app, broker_url=unreachable)
    try:
        started = time.monotonic()
        emails = queue(3)  # the commit succeeds although nothing can be published
        assert time.monotonic() - started < 10
    finally:
        _use_broker(app, broker_url=celery_worker_process.broker_url)
    assert statuses() == [Status.QUEUED] * 3
    assert caplog.text.count("could not enqueue") == 3
    time.sleep(1)
    assert sink.messages == []

    # Redis is back: the beat publishes its every-minute sweep, the worker sends the backlog.
    job = settings.CELERY_BEAT_SCHEDULE["outbox-requeue-stale"]
    assert job["schedule"] <= 60
    celery_worker_process.publish(app.tasks[job["task"]])

    celery_worker_process.wait_until(lambda: statuses() == [Status.SENT] * 3, message="the backlog was not sent")
    assert sorted(sink.message_ids()) == sorted(outbox.message_id(email) for email in emails)
