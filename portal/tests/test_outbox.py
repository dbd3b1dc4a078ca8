"""The outbox itself: queuing in the caller's transaction, idempotency, claiming, the sweep, the
purge, the admin's retry action, the account emails and the preferences page."""

import datetime
import re

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal import outbox
from portal.models import OutgoingEmail
from portal.tests.factories import UserFactory, municipal_staff

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status


def queue(key="test:1", to="awa@example.org", **kwargs):
    return outbox.queue_email(
        kind="application_received",
        to=to,
        template="application_received",
        idempotency_key=key,
        context={"session": {"name": "Développeur web"}, "application_url": "http://testserver/"},
        **kwargs,
    )


def test_queue_writes_a_row_and_sends_after_commit(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = queue()
    assert email.status == Status.QUEUED and email.newly_queued
    assert mailoutbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1

    callbacks[0]()

    email.refresh_from_db()
    assert email.status == Status.SENT and email.attempts == 1 and email.sent_at
    assert [m.to for m in mailoutbox] == [["awa@example.org"]]
    assert mailoutbox[0].subject == email.subject
    assert mailoutbox[0].extra_headers["Message-ID"] == outbox.message_id(email)


def test_a_rolled_back_transaction_leaves_no_row_and_sends_nothing(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the business transaction fails")
    assert not OutgoingEmail.objects.exists()
    assert mailoutbox == []


def test_queuing_the_same_key_twice_is_a_no_op(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue()
        second = queue()
    assert first.pk == second.pk and not second.newly_queued
    assert OutgoingEmail.objects.count() == 1
    assert len(mailoutbox) == 1


def test_language_comes_from_the_recipient_user():
    user = UserFactory(language="en", email="Awa@Example.org")
    email = queue(to="awa@example.org")
    assert (email.language, email.recipient_user) == ("en", user)
    assert '<html lang="en">' in email.body_html


def test_sending_twice_sends_once(mailoutbox):
    email = queue()
    assert outbox.send_outgoing_email(email.pk) == Status.SENT
    assert outbox.send_outgoing_email(email.pk) is None  # a task delivered twice
    assert len(mailoutbox) == 1


def test_a_row_being_sent_or_not_due_is_left_alone(mailoutbox):
    sending = queue("k:1")
    OutgoingEmail.objects.filter(pk=sending.pk).update(status=Status.SENDING, sending_started_at=timezone.now())
    later = queue("k:2")
    OutgoingEmail.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + datetime.timedelta(minutes=5))
    cancelled = queue("k:3")
    OutgoingEmail.objects.filter(pk=cancelled.pk).update(status=Status.CANCELLED)

    assert [outbox.send_outgoing_email(e.pk) for e in (sending, later, cancelled)] == [None, None, None]
    assert mailoutbox == []


def test_the_sweep_requeues_lost_due_and_stuck_rows_only(mailoutbox, settings):
    now = timezone.now()
    lost = queue("k:lost")  # its enqueue never reached the broker
    fresh = queue("k:fresh")  # its task is probably still in the queue
    due = queue("k:due")
    stuck = queue("k:stuck")
    sent = queue("k:sent")
    OutgoingEmail.objects.filter(pk__in=[lost.pk, due.pk, stuck.pk, sent.pk]).update(
        created_at=now - datetime.timedelta(hours=1)
    )
    OutgoingEmail.objects.filter(pk=due.pk).update(next_attempt_at=now - datetime.timedelta(seconds=1))
    OutgoingEmail.objects.filter(pk=stuck.pk).update(
        status=Status.SENDING, attempts=1, sending_started_at=now - datetime.timedelta(hours=1)
    )
    OutgoingEmail.objects.filter(pk=sent.pk).update(status=Status.SENT, sent_at=now)

    assert set(outbox.stale_emails(now).values_list("pk", flat=True)) == {lost.pk, due.pk, stuck.pk}
    assert outbox.requeue_stale_emails(now=now) == 3  # eager here: sent at once

    statuses = dict(OutgoingEmail.objects.values_list("pk", "status"))
    assert statuses[lost.pk] == statuses[due.pk] == statuses[stuck.pk] == Status.SENT
    assert statuses[fresh.pk] == Status.QUEUED
    assert sorted(m.to[0] for m in mailoutbox) == ["awa@example.org"] * 3


def test_purge_deletes_old_finished_rows_only(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    old = timezone.now() - datetime.timedelta(days=31)
    rows = {name: queue(f"k:{name}") for name in ("old_sent", "old_failed", "old_queued", "recent_sent")}
    OutgoingEmail.objects.filter(pk=rows["old_sent"].pk).update(status=Status.SENT, sent_at=old, created_at=old)
    OutgoingEmail.objects.filter(pk=rows["old_failed"].pk).update(status=Status.FAILED, created_at=old)
    OutgoingEmail.objects.filter(pk=rows["old_queued"].pk).update(created_at=old)
    OutgoingEmail.objects.filter(pk=rows["recent_sent"].pk).update(status=Status.SENT, sent_at=timezone.now())

    assert outbox.purge_old_emails() == 2
    assert set(OutgoingEmail.objects.values_list("idempotency_key", flat=True)) == {"k:old_queued", "k:recent_sent"}


def test_a_broker_outage_at_commit_leaves_the_row_queued(caplog, monkeypatch, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    from portal import tasks

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_outgoing_email, "apply_async", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()  # the commit does not fail

    email.refresh_from_db()
    assert email.status == Status.QUEUED
    assert "could not enqueue" in caplog.text and "awa@example.org" not in caplog.text


# --- Admin -----------------------------------------------------------------------------------


def test_admin_lists_filters_and_retries(client, mailoutbox, django_capture_on_commit_callbacks):
    admin = UserFactory(is_staff=True, is_superuser=True)
    failed = queue("k:failed")
    OutgoingEmail.objects.filter(pk=failed.pk).update(status=Status.FAILED, attempts=9, last_error="550 no such user")
    sent = queue("k:sent")
    OutgoingEmail.objects.filter(pk=sent.pk).update(status=Status.SENT, sent_at=timezone.now())
    client.force_login(admin)
    url = reverse("admin:portal_outgoingemail_changelist")

    response = client.get(url, {"status__exact": "failed"})
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [failed]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "retry_emails", "_selected_action": [failed.pk, sent.pk]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["1 e-mail remis en file d'envoi."]
    failed.refresh_from_db()
    assert failed.status == Status.SENT and failed.attempts == 1
    assert len(mailoutbox) == 1  # the sent row was not sent again


def test_outbox_admin_is_for_staff_only(client):
    url = reverse("admin:portal_outgoingemail_changelist")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 302


# --- Account emails (django-allauth) ---------------------------------------------------------


def test_signup_verification_email_goes_through_the_outbox(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "nouvelle@example.org",
                "password1": "Formation-Numerique-2017",
                "password2": "Formation-Numerique-2017",
                "privacy_consent": "on",
            },
        )
    assert response.status_code == 302, response.context["form"].errors
    row = OutgoingEmail.objects.get(recipient="nouvelle@example.org")
    assert row.kind == "account_email_confirmation_signup" and row.status == Status.SENT
    [message] = mail.outbox
    assert message.to == ["nouvelle@example.org"]
    link = re.search(r"https?://\S+/comptes/\S+", message.body).group(0)
    assert client.get(link).status_code == 200
    assert "Vous recevez cet e-mail parce que cette adresse a été saisie" in message.body


def test_password_reset_email_is_in_the_user_language(client, django_capture_on_commit_callbacks):
    UserFactory(email="awa@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "awa@example.org"})
    row = OutgoingEmail.objects.get(recipient="awa@example.org")
    assert row.language == "en" and row.kind == "account_password_reset_key"
    assert "/comptes/password/reset/key/" in mail.outbox[0].body


# --- Preferences -----------------------------------------------------------------------------


def test_preferences_need_a_login(client):
    response = client.get(reverse("preferences"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


@pytest.mark.parametrize("make_user", [UserFactory, municipal_staff])
def test_users_turn_reminders_and_digests_off_for_themselves(client, make_user):
    user = make_user()
    other = UserFactory()
    client.force_login(user)

    page = client.get(reverse("preferences"))
    assert page.status_code == 200
    assert f'href="{reverse("preferences")}"' in page.content.decode()  # linked from the nav

    response = client.post(
        reverse("preferences"), {"language": "en", "receives_reminders": "", "receives_digests": ""}, follow=True
    )
    assert response.status_code == 200
    user.refresh_from_db()
    other.refresh_from_db()
    # Digests exist for staff only: a user without a staff role is not offered that choice.
    has_digests = make_user is municipal_staff
    assert ('name="receives_digests"' in page.content.decode()) is has_digests
    assert (user.language, user.receives_reminders, user.receives_digests) == ("en", False, not has_digests)
    assert (other.receives_reminders, other.receives_digests) == (True, True)


def test_preferences_bad_input_is_tied_to_its_field(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("preferences"), {"language": "xx", "receives_reminders": "on"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "language" in form.errors
    assert 'aria-describedby="' in response.content.decode() or "is-invalid" in response.content.decode()
    user.refresh_from_db()
    assert user.language == "fr"


def test_a_forgotten_recipient_is_emptied_cancelled_and_never_retried(mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="awa@example.org")
    sent = queue("forget:1", to=user)
    OutgoingEmail.objects.filter(pk=sent.pk).update(status=Status.SENT, sent_at=timezone.now())
    waiting = queue("forget:2", to="AWA@example.org")  # the same person, by address only
    other = queue("forget:3", to="binta@example.org")

    assert outbox.forget_recipient(user) == 2

    rows = {row.pk: row for row in OutgoingEmail.objects.all()}
    assert (rows[sent.pk].status, rows[waiting.pk].status) == (Status.SENT, Status.CANCELLED)
    for pk in (sent.pk, waiting.pk):
        assert (rows[pk].recipient, rows[pk].subject, rows[pk].body_text, rows[pk].body_html) == ("", "", "", "")
    assert rows[other.pk].recipient == "binta@example.org" and rows[other.pk].status == Status.QUEUED
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.retry(OutgoingEmail.objects.all()) == 1  # only the other person's email
    assert [message.to for message in mailoutbox] == [["binta@example.org"]]
