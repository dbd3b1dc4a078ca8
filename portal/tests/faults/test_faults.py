"""The fault suite (``pytest -m faults``, its own step in .ci/run): a bad day, against real
processes. Each case asserts no server error for a change that was saved, every side effect done
exactly once after recovery, and no email lost (a duplicate only in the outbox's documented
at-least-once window: a worker killed after the SMTP server took the message)."""

import threading
import time
from collections import Counter

import psycopg2
import pytest
from django.db import connection
from django.urls import reverse

from candidates.models import Application, Screening
from candidates.tests.factories import application_in, candidate, ready_to_send
from candidates.workflow import Status
from portal.models import DeferredTask, OutgoingEmail
from portal.outbox import message_id
from portal.tests.factories import UserFactory
from programmes.tests.factories import SessionFactory

from .visitor import Visitor

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-2017"


# --- Helpers ----------------------------------------------------------------------------------


def send(stack, user, application):
    """The candidate presses « Envoyer » on the review step."""
    path = reverse("candidates:apply_step", args=[application.reference, "review"])
    return Visitor(stack.base_url).log_in_as(user).post(path)


def decline(stack, user, application):
    path = reverse("candidates:application_action", args=[application.reference, "decline_offer"])
    return Visitor(stack.base_url).log_in_as(user).post(path)


def log_in(stack, user):
    visitor = Visitor(stack.base_url)
    return visitor.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}), visitor


def verified_user():
    """A user who can log in on the stack's server (whose settings hash with PBKDF2, where the
    test process's use MD5)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    user = UserFactory(password=None)
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def status_of(application):
    return Application.objects.values_list("status", flat=True).get(pk=application.pk)


def screened(application):
    return Application.objects.filter(pk=application.pk, current_screening__isnull=False).exists()


def all_emails_sent():
    return OutgoingEmail.objects.exists() and not OutgoingEmail.objects.exclude(status="sent").exists()


def assert_every_email_delivered(stack, *, duplicates_allowed=0):
    """Every outbox row sent and at the sink; no other message; duplicates (same Message-ID) only
    as many as the at-least-once window allows."""
    expected = {message_id(email) for email in OutgoingEmail.objects.all()}
    received = Counter(stack.smtp.message_ids())
    assert set(received) == expected, "an email was lost, or one came from nowhere"
    assert sum(received.values()) - len(received) <= duplicates_allowed, received.most_common(3)
    assert not OutgoingEmail.objects.exclude(status="sent").exists()


def kinds_by_recipient():
    return Counter(OutgoingEmail.objects.values_list("recipient", "kind"))


def assert_no_server_error(stack, *answers):
    assert [answer.status for answer in answers if answer.status >= 500] == []
    assert stack.server_errors() == 0, stack.web.log()[-3000:]


# --- Redis ------------------------------------------------------------------------------------


def test_redis_stopped_and_restarted_during_a_send_a_decline_and_a_login(stack):
    session = SessionFactory(capacity=1)
    sender = candidate()
    to_send = ready_to_send(candidate=sender, session=session)
    decliner = candidate()
    offered = application_in(Status.SEAT_OFFERED, candidate=decliner, session=session)
    waiting = application_in(Status.WAITLISTED, session=session)
    staff = verified_user()

    stack.redis.stop()
    sent = send(stack, sender, to_send)
    declined = decline(stack, decliner, offered)
    logged_in, visitor = log_in(stack, staff)
    home = visitor.get("/")

    assert (sent.status, declined.status, logged_in.status) == (302, 302, 302)
    assert staff.email in home.text or home.status == 200
    assert_no_server_error(stack, sent, declined, logged_in, home)
    assert (status_of(to_send), status_of(offered)) == (Status.SUBMITTED, Status.OFFER_DECLINED)
    assert DeferredTask.objects.filter(status="pending").count() == 2  # the screening, the freed seat

    time.sleep(3)  # an outage of a few seconds (beyond the sweeps' grace: they try and fail)
    stack.restart_redis()  # empty: whatever was in the old one is gone

    stack.wait_until(lambda: screened(to_send), message="the application was not screened")
    stack.wait_until(lambda: status_of(waiting) == Status.SEAT_OFFERED, message="the freed seat was not offered")
    stack.wait_until(lambda: not DeferredTask.objects.exclude(status="done").exists(), message="tasks left undone")
    stack.wait_until(all_emails_sent, message="emails left unsent")
    assert Screening.objects.filter(application=to_send).count() == 1
    assert Application.objects.filter(session=session, status=Status.SEAT_OFFERED).count() == 1
    assert_every_email_delivered(stack)
    emails = kinds_by_recipient()
    assert emails[(sender.email, "application_received")] == 1
    assert (
        sum(count for (to, kind), count in emails.items() if to == sender.email and kind.startswith("screening")) == 1
    )
    assert emails[(waiting.candidate.email, "seat_offered")] == 1
    logged_in_again, _visitor = log_in(stack, staff)
    assert logged_in_again.status == 302


# --- The worker killed ------------------------------------------------------------------------


def test_worker_killed_during_a_screening(stack):
    sender = candidate()
    application = ready_to_send(candidate=sender)
    stack.worker.stop()
    sent = send(stack, sender, application)  # the screening waits in Redis
    assert sent.status == 302

    with holding_row_lock("candidates_application", application.pk) as waiting_backends:
        stack.worker.start()
        stack.wait_until(lambda: waiting_backends() > 0, message="the screening never reached the row lock")
        stack.worker.kill()  # kill -9 in the middle of the screening
    assert not screened(application)
    assert DeferredTask.objects.get(args=[application.pk], kwargs={}).status == "running"

    stack.worker.start()
    stack.wait_until(lambda: screened(application), message="the screening was not done after the restart")
    stack.wait_until(all_emails_sent, message="emails left unsent")
    time.sleep(2)  # the killed task's message may still come back: it must do nothing

    assert_no_server_error(stack, sent)
    assert Screening.objects.filter(application=application).count() == 1
    row = DeferredTask.objects.get(args=[application.pk], kwargs={})
    assert (row.status, row.attempts) == ("done", 2)
    assert_every_email_delivered(stack)
    assert kinds_by_recipient()[(sender.email, "application_received")] == 1


def test_worker_killed_while_sending_an_email(stack):
    sender = candidate()
    application = ready_to_send(candidate=sender)
    stack.smtp.hold()  # the sink takes the message, then waits before saying "250 OK"

    sent = send(stack, sender, application)
    stack.wait_until(lambda: len(stack.smtp.raw) >= 1, message="no email reached the SMTP server")
    stack.worker.kill()  # the SMTP server has the message, the worker never heard it was taken
    stack.smtp.release()
    stack.worker.start()

    stack.wait_until(all_emails_sent, message="emails left unsent")
    stack.wait_until(lambda: screened(application), message="the application was not screened")
    stack.wait_until(all_emails_sent, message="the screening's email was not sent")
    assert_no_server_error(stack, sent)
    # The in-flight email was sent again (same Message-ID): the documented at-least-once window.
    assert_every_email_delivered(stack, duplicates_allowed=1)
    assert Screening.objects.filter(application=application).count() == 1


# --- SMTP -------------------------------------------------------------------------------------


def test_smtp_server_down(stack):
    sender = candidate()
    application = ready_to_send(candidate=sender)
    stack.smtp.stop()

    sent = send(stack, sender, application)
    stack.wait_until(
        lambda: OutgoingEmail.objects.filter(attempts__gte=2, status="queued").exists(),
        message="no failed attempt was recorded",
    )
    assert sent.status == 302
    assert not OutgoingEmail.objects.filter(status__in=["sent", "failed"]).exists()

    stack.smtp = type(stack.smtp)(port=stack.smtp.port).start()  # the server is back, same address
    stack.wait_until(all_emails_sent, message="the queued emails were not sent when SMTP came back")
    stack.wait_until(lambda: screened(application), message="the application was not screened")
    stack.wait_until(all_emails_sent, message="emails left unsent")
    assert_no_server_error(stack, sent)
    assert_every_email_delivered(stack)


# --- PostgreSQL -------------------------------------------------------------------------------


def test_database_connections_terminated_between_and_during_requests(stack):
    sender = candidate()
    application = ready_to_send(candidate=sender)
    visitor = Visitor(stack.base_url).log_in_as(sender)
    assert visitor.get(reverse("candidates:application_list")).status == 200  # connections opened

    terminate_other_backends()  # every process's persistent connection dies while idle
    assert visitor.get(reverse("candidates:application_list")).status == 200

    # During a request: « Envoyer » waits on the candidate's row, and its connection is cut.
    path = reverse("candidates:apply_step", args=[application.reference, "review"])
    visitor.get(path)
    answers = []
    with holding_row_lock("portal_user", sender.pk) as waiting_backends:
        request = threading.Thread(target=lambda: answers.append(visitor.post(path)))
        request.start()
        stack.wait_until(lambda: waiting_backends() > 0, message="the request never reached the row lock")
        terminate_other_backends(waiting_only=True)
        request.join(timeout=60)
    assert answers[0].status == 503  # "try again", and nothing was saved
    assert "indisponible" in answers[0].text
    assert status_of(application) == Status.DRAFT
    assert not DeferredTask.objects.exists() and not OutgoingEmail.objects.exists()

    again = visitor.post(path)
    assert again.status == 302
    stack.wait_until(lambda: screened(application), message="the application was not screened")
    stack.wait_until(all_emails_sent, message="emails left unsent")
    assert stack.server_errors() == 0, stack.web.log()[-3000:]
    assert [status for _method, _url, status in visitor.statuses if status >= 500] == [503]
    assert Screening.objects.filter(application=application).count() == 1
    assert_every_email_delivered(stack)
    assert kinds_by_recipient()[(sender.email, "application_received")] == 1


class holding_row_lock:
    """Hold ``SELECT … FOR UPDATE`` on one row from a connection of our own; yields a function
    counting the other backends of the test database waiting on a lock."""

    def __init__(self, table, pk):
        self.table, self.pk = table, pk

    def __enter__(self):
        params = connection.get_connection_params()
        self.connection = psycopg2.connect(**params)
        self.cursor = self.connection.cursor()
        self.cursor.execute(f"SELECT 1 FROM {self.table} WHERE id = %s FOR UPDATE", [self.pk])  # noqa: S608 — our table name
        return self.waiting

    def waiting(self):
        with psycopg2.connect(**connection.get_connection_params()) as probe, probe.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> %s",
                [self.connection.get_backend_pid()],
            )
            return cursor.fetchone()[0]

    def __exit__(self, *exc):
        self.connection.rollback()
        self.connection.close()


def terminate_other_backends(*, waiting_only=False):
    """``pg_terminate_backend`` on the test database's other connections (the web's, the worker's,
    beat's), or only those waiting on a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND (NOT %s OR wait_event_type = 'Lock')",
            [waiting_only],
        )
        return len(cursor.fetchall())
