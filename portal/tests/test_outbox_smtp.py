"""Delivery to a real SMTP server (aiosmtpd in this process): success, retries on 4xx until a 250,
no retry on 5xx, and *failed* after the last of the retries spread over more than 24 hours."""

import datetime

import pytest
from django.utils import timezone

from portal import outbox
from portal.models import OutgoingEmail
from portal.tests.smtp import SmtpSink, free_port

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]

Status = OutgoingEmail.Status


@pytest.fixture
def smtp(settings):
    sinks = []

    def start(*responses):
        sink = SmtpSink(responses).start()
        sinks.append(sink)
        for name, value in sink.email_settings().items():
            setattr(settings, name, value)
        return sink

    yield start
    outbox.close_cached_connections()
    for sink in sinks:
        sink.stop()


def queue_invitation(key="smtp:1"):
    return outbox.queue_email(
        kind="invitation_test",
        to="awa@example.org",
        template="application_received",
        idempotency_key=key,
        context={"session": {"name": "Développeur web"}, "application_url": "http://testserver/"},
        attachment=("convocation.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"),
    )


def make_due(email):
    OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


def test_delivery_to_a_real_smtp_server(smtp):
    sink = smtp()
    email = queue_invitation()

    assert outbox.send_outgoing_email(email.pk) == Status.SENT

    [message] = sink.messages
    assert message["To"] == "awa@example.org"
    assert message["Subject"] == email.subject
    assert message["Message-ID"] == outbox.message_id(email)
    parts = {part.get_content_type(): part for part in message.walk()}
    assert "Développeur web" in parts["text/plain"].get_content()
    assert "<html" in parts["text/html"].get_content()
    assert parts["text/calendar"].get_filename() == "convocation.ics"
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (Status.SENT, 1, "")


def test_a_4xx_is_retried_later_and_then_succeeds(smtp):
    sink = smtp("451 4.3.0 Mailbox busy, try again later")
    email = queue_invitation()
    before = timezone.now()

    assert outbox.send_outgoing_email(email.pk) == Status.QUEUED

    email.refresh_from_db()
    assert email.status == Status.QUEUED and email.attempts == 1
    assert "451" in email.last_error
    assert email.next_attempt_at >= before + datetime.timedelta(seconds=60)
    assert sink.messages == []
    assert outbox.send_outgoing_email(email.pk) is None  # not due yet: nothing happens

    # The sweep, once the retry is due, sends it.
    assert outbox.requeue_stale_emails(now=email.next_attempt_at + datetime.timedelta(seconds=1)) == 1
    make_due(email)
    outbox.send_outgoing_email(email.pk)

    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENT, 2)
    assert len(sink.messages) == 1


def test_a_5xx_fails_at_once(smtp):
    sink = smtp("550 5.1.1 No such user here")
    email = queue_invitation()

    assert outbox.send_outgoing_email(email.pk) == Status.FAILED

    email.refresh_from_db()
    assert (email.status, email.attempts, email.next_attempt_at) == (Status.FAILED, 1, None)
    assert "550" in email.last_error
    assert sink.messages == []


def test_4xx_until_the_end_fails_after_more_than_24_hours_of_retries(smtp, settings):
    attempts = len(settings.OUTBOX_RETRY_DELAYS) + 1
    sink = smtp(*["421 4.7.0 Too many connections, slow down"] * attempts)
    email = queue_invitation()
    waited = datetime.timedelta()
    delays = []

    for _attempt in range(attempts):
        started = timezone.now()
        outbox.send_outgoing_email(email.pk)
        email.refresh_from_db()
        if email.status == Status.QUEUED:
            delays.append(email.next_attempt_at - started)
            waited += email.next_attempt_at - started
            make_due(email)

    assert (email.status, email.attempts) == (Status.FAILED, attempts)
    assert waited >= datetime.timedelta(hours=24)
    assert delays == sorted(delays)  # growing delays
    assert sink.messages == []


def test_an_unreachable_server_is_a_transient_error(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    email = queue_invitation()

    assert outbox.send_outgoing_email(email.pk) == Status.QUEUED

    email.refresh_from_db()
    assert email.attempts == 1 and "ConnectionRefused" in email.last_error
    outbox.close_cached_connections()


def test_one_connection_serves_many_emails_and_survives_a_server_restart(smtp):
    sink = smtp()
    emails = [queue_invitation(f"smtp:{n}") for n in range(3)]
    for email in emails[:2]:
        outbox.send_outgoing_email(email.pk)
    assert len(sink.sessions) == 1  # one SMTP session for both
    sink.stop()  # the server goes away: the cached connection is dead
    with SmtpSink(port=sink.port) as restarted:
        outbox.send_outgoing_email(emails[2].pk)

    assert OutgoingEmail.objects.filter(status=Status.SENT).count() == 3
    assert len(sink.messages) == 2 and len(restarted.messages) == 1


def test_a_batch_sends_over_one_connection_and_isolates_a_failure(smtp):
    sink = smtp("250 OK", "550 5.1.1 No such user here")  # the second email is refused
    emails = [queue_invitation(f"batch:{n}") for n in range(4)]
    OutgoingEmail.objects.filter(pk=emails[3].pk).update(status=Status.SENT, sent_at=timezone.now())

    results = outbox.send_outgoing_emails([email.pk for email in emails], mark_every=2)
    again = outbox.send_outgoing_emails([email.pk for email in emails])  # delivered twice

    assert results == {emails[0].pk: Status.SENT, emails[1].pk: Status.FAILED, emails[2].pk: Status.SENT}
    assert again == {}
    assert sorted(sink.message_ids()) == sorted(outbox.message_id(emails[n]) for n in (0, 2))
    assert len(sink.sessions) == 1
