"""The email outbox: queue an email inside the business transaction, send it from a worker.

``queue_email(...)`` renders an email (in the recipient's language, with the shared layout under
``templates/emails/``) and writes an ``OutgoingEmail`` row in the caller's transaction. Sending is
enqueued only once that transaction commits: a rolled-back transaction leaves no row and sends
nothing. If the broker is unreachable at that moment, the row simply stays *queued* and the
periodic ``requeue_stale_emails`` job enqueues it again once the broker is back.

``send_outgoing_email(pk)`` (called by the ``portal.tasks.send_outgoing_email`` task on the ``mail``
queue) claims the row under a row lock, marks it *sending*, sends it through Django's email backend
and marks it *sent*. A task delivered twice finds the row *sending* or *sent* and does nothing.
Transient failures (SMTP 4xx, lost connections) are retried with growing delays for more than 24
hours (``OUTBOX_RETRY_DELAYS``); permanent failures (SMTP 5xx) and the last attempt end *failed*.

The one window left is a worker killed after the SMTP server accepted a message but before the row
was marked *sent*: the row stays *sending*, and after ``OUTBOX_SENDING_TIMEOUT`` the sweep sends it
again rather than risk losing it. Every row keeps the same Message-ID across attempts, so such a
rare duplicate can be recognised by the receiving side.
"""

import contextlib
import hashlib
import logging
import re
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache, partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, router, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.constants import OnConflict
from django.template import Context, TemplateDoesNotExist, engines
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone, translation

# tasks: sending is published as a task, which wraps this module; imported as a module, its tasks
# looked up at call time (the same pattern as candidates.tasks, see docs/architecture.md).
from . import easy_read, tasks
from .models import OutgoingEmail, User

logger = logging.getLogger(__name__)

Status = OutgoingEmail.Status

# Seconds to wait before attempt 2, 3, ...: 1 min → 12 h, more than 27 h in all.
DEFAULT_RETRY_DELAYS = (60, 300, 900, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600)


def retry_delays():
    return tuple(getattr(settings, "OUTBOX_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))


def absolute_url(path_or_name, *args, **kwargs):
    """``settings.SITE_URL`` + a path, or + the path of a URL name (reversed with args)."""
    path = path_or_name if path_or_name.startswith("/") else reverse(path_or_name, args=args, kwargs=kwargs)
    return settings.SITE_URL + path


# --- Queuing ------------------------------------------------------------------------------------


def queue_email(*, idempotency_key: str, **fields: Any) -> OutgoingEmail:
    """Render an email and write it to the outbox in the current transaction.

    Fields (see ``build_email``): ``kind``; ``to``, a user (their address and language are used)
    or an address; ``template``, naming ``emails/<template>_subject.txt``, ``.txt`` and ``.html``;
    ``context``; ``why``, naming ``emails/why/<why>.txt``, the footer telling the recipient why they
    get it; ``language``; ``application``; ``attachment`` as ``(filename, text, mimetype)``.
    Queuing the same ``idempotency_key`` twice is a no-op that returns the existing row (its
    ``newly_queued`` attribute is False).
    """
    # No lookup first: the insert itself says whether the key was already queued (see _save).
    return _save(build_email(idempotency_key=idempotency_key, **fields))


def queue_emails(emails: Iterable[dict[str, Any]]) -> list[OutgoingEmail]:
    """``queue_email`` for many emails at once (a list of its keyword arguments): one query for
    the keys already queued, one bulk insert, one after-commit callback. For batch jobs whose
    query count must not grow with the batch. Returns the newly queued rows."""
    emails = list(emails)
    keys = [email["idempotency_key"] for email in emails]
    known = set(OutgoingEmail.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    rows, seen = [], set()
    for email in emails:
        key = email["idempotency_key"]
        if key in known or key in seen:
            continue
        seen.add(key)
        rows.append(build_email(**email))
    if not rows:
        return []
    try:
        with transaction.atomic():
            created = OutgoingEmail.objects.bulk_create(rows)
    except IntegrityError:  # a concurrent writer queued one of the keys meanwhile: one by one
        return [email for email in (_save(row) for row in rows) if email.newly_queued]
    for email in created:
        email.newly_queued = True
    transaction.on_commit(partial(_enqueue_many, [email.pk for email in created if email.status == Status.QUEUED]))
    return created


def build_email(
    *,
    kind,
    to,
    template,
    idempotency_key,
    context=None,
    why="application",
    language=None,
    application=None,
    attachment=None,
):
    """The rendered, unsaved outbox row."""
    recipient, user = _recipient(to)
    language = language or (user.language if user is not None else settings.LANGUAGE_CODE)
    subject, body_text, body_html = render_email(template, context or {}, language=language, why=why, user=user)
    return _row(
        kind=kind,
        recipient=recipient,
        recipient_user=user,
        language=language,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        idempotency_key=idempotency_key,
        application=application,
        attachment=attachment,
    )


def queue_rendered_email(**fields):
    """Write an already rendered email to the outbox (the account adapter's way in) and enqueue
    its sending once the current transaction commits. Fields: those of ``_row``."""
    return _save(_row(**fields))


def _row(
    *,
    kind,
    recipient,
    subject,
    body_text,
    idempotency_key,
    body_html="",
    recipient_user=None,
    language=None,
    application=None,
    attachment=None,
):
    name, content, mimetype = attachment or ("", "", "")
    # A person registered without an email address (settings.NO_EMAIL_DOMAIN): the row is kept,
    # cancelled, so that the facts stay countable, and nothing is ever sent.
    unreachable = recipient.lower().endswith("@" + settings.NO_EMAIL_DOMAIN)
    return OutgoingEmail(
        status=Status.CANCELLED if unreachable else Status.QUEUED,
        last_error="no email address" if unreachable else "",
        idempotency_key=idempotency_key,
        kind=kind,
        recipient=recipient,
        recipient_user=recipient_user,
        language=language or settings.LANGUAGE_CODE,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        attachment_name=name,
        attachment_content=content,
        attachment_mimetype=mimetype,
        application=application,
    )


def _save(email):
    # One INSERT … ON CONFLICT DO NOTHING RETURNING id: an earlier or concurrent row with the same
    # key wins without an error, so no lookup and no savepoint around the insert are needed (the
    # caller's transaction is never broken). QuerySet._insert is what Model.save() itself uses.
    meta = OutgoingEmail._meta
    rows = OutgoingEmail._base_manager._insert(
        [email],
        fields=[field for field in meta.local_concrete_fields if not field.primary_key and not field.generated],
        returning_fields=meta.db_returning_fields,
        using=router.db_for_write(OutgoingEmail),
        on_conflict=OnConflict.IGNORE,
    )
    if not rows or rows[0] is None:
        return OutgoingEmail.objects.get(idempotency_key=email.idempotency_key)
    for value, field in zip(rows[0], meta.db_returning_fields, strict=True):
        setattr(email, field.attname, value)
    email._state.adding = False
    email._state.db = router.db_for_write(OutgoingEmail)
    email.newly_queued = True
    if email.status == Status.QUEUED:
        transaction.on_commit(partial(enqueue_sending, email.pk))
    return email


def _enqueue_many(ids):
    size = getattr(settings, "OUTBOX_BATCH_SIZE", 50)
    for start in range(0, len(ids), size):
        if not enqueue_sending_batch(ids[start : start + size]):
            return  # the broker is down: the sweep will publish the rest


def enqueue_sending_batch(email_ids):
    """Publish one task sending several rows (bulk queuing, the sweep). Same outage handling."""
    try:
        tasks.send_outgoing_emails.apply_async(
            (list(email_ids),), retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
        )
    except Exception as exc:
        logger.warning(
            "outbox: could not enqueue %s email(s) (%s); the sweep will retry", len(email_ids), type(exc).__name__
        )
        return False
    return True


def enqueue_sending(email_id, **options):
    """Publish the send task. Called after commit; a broker outage is logged, not raised: the row
    is safely queued and ``requeue_stale_emails`` will publish it again."""
    try:
        tasks.send_outgoing_email.apply_async(
            (email_id,), retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2}, **options
        )
    except Exception as exc:  # kombu raises OperationalError, redis its own ConnectionError…
        logger.warning("outbox: could not enqueue email %s (%s); the sweep will retry", email_id, type(exc).__name__)
        return False
    return True


def _recipient(to):
    if isinstance(to, str):
        return to, User.objects.filter(email__iexact=to).first()
    return to.email, to


# --- Rendering ----------------------------------------------------------------------------------

_BLANK_LINES = re.compile(r"\n[ \t]*(\n[ \t]*)+\n")


def render_email(template, context, *, language, why="application", user=None):
    """Subject, plain text and HTML of ``emails/<template>``, rendered in ``language``; for a
    recipient who prefers « Facile à lire et à comprendre », the FALC version of the text and HTML
    (``emails/easy_read/<template>``) where there is one, and the FALC texts of what the email
    shows (criteria, statuses: ``portal.easy_read``)."""
    prefers_easy_read = bool(getattr(user, "prefers_easy_read", False))
    with translation.override(language), easy_read.override(prefers_easy_read):
        ctx = {
            "site_url": settings.SITE_URL,
            "preferences_url": absolute_url("preferences"),
            "why_template": f"emails/why/{why}.txt",
            "recipient": user,
            "language": language,
            "easy_read": prefers_easy_read,
            **context,
        }
        body = _easy_read_variant(template) if prefers_easy_read else f"emails/{template}"
        subject = render_subject(f"emails/{template}_subject.txt", ctx)
        text = render_plain_text(f"{body}.txt", ctx)
        html = render_to_string(f"{body}.html", ctx)
    return subject, tidy_text(text), html.strip()


@lru_cache(maxsize=256)
def _easy_read_variant(template):
    """``emails/easy_read/<template>`` when that FALC version exists, else the usual one."""
    try:
        get_template(f"emails/easy_read/{template}.txt")
    except TemplateDoesNotExist:
        return f"emails/{template}"
    return f"emails/easy_read/{template}"


def render_plain_text(template_name, context):
    """A plain-text template (a subject, a text body) rendered without HTML autoescaping: a session
    named « Développeur d'applications » must not become « Développeur d&#x27;applications »."""
    template = engines["django"].get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def render_subject(template_name, context):
    """An email subject: one line of plain text."""
    return " ".join(render_plain_text(template_name, context).split())


def tidy_text(text):
    """Template tags leave blank lines and trailing spaces behind; a plain-text email should not."""
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", text) + "\n"


# --- Sending ------------------------------------------------------------------------------------


def send_outgoing_email(email_id: int) -> str | None:
    """Claim, send and record one outbox row. Idempotent: returns the final status, or None when
    there was nothing to do (already sent, being sent by another worker, not due yet, gone)."""
    return send_outgoing_emails([email_id]).get(email_id)


def send_outgoing_emails(email_ids: Iterable[int], *, mark_every: int = 10) -> dict[int, str]:
    """Claim a batch of rows in one transaction, send them over one SMTP connection and mark
    them sent ``mark_every`` at a time (one commit per few emails instead of two per email; a
    worker dying mid-batch leaves at most that many sent-but-unmarked rows to the sweep).
    Returns ``{pk: status}`` for the rows it claimed."""
    results, delivered = {}, []
    for email in _claim(email_ids):
        try:
            _deliver(build_message(email))
        except Exception as exc:
            _mark_sent(delivered, results)
            results[email.pk] = _record_failure(email, exc)
            continue
        delivered.append(email)
        if len(delivered) >= mark_every:
            _mark_sent(delivered, results)
    _mark_sent(delivered, results)
    return results


def _mark_sent(emails, results):
    if not emails:
        return
    now = timezone.now()
    OutgoingEmail.objects.filter(pk__in=[email.pk for email in emails], status=Status.SENDING).update(
        status=Status.SENT, sent_at=now, next_attempt_at=None, last_error="", updated_at=now
    )
    for email in emails:
        results[email.pk] = Status.SENT
        logger.info("outbox: sent email %s (%s, attempt %s)", email.pk, email.kind, email.attempts)
    emails.clear()


def _claim(email_ids):
    """Lock the due, queued rows among ``email_ids`` (skipping rows another worker holds) and
    mark them *sending*, in one short transaction."""
    now = timezone.now()
    with transaction.atomic():
        emails = list(
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(email_ids), status=Status.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk")
        )
        if emails:
            OutgoingEmail.objects.filter(pk__in=[email.pk for email in emails]).update(
                status=Status.SENDING, attempts=F("attempts") + 1, sending_started_at=now, updated_at=now
            )
    for email in emails:
        email.status, email.attempts, email.sending_started_at = Status.SENDING, email.attempts + 1, now
    return emails


def message_id(email):
    """Stable across attempts, so that a rare duplicate is recognisable at the receiving end."""
    digest = hashlib.sha256(email.idempotency_key.encode()).hexdigest()[:20]
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<outbox.{email.pk}.{digest}@{domain}>"


def build_message(email):
    headers = {"Message-ID": message_id(email), "Auto-Submitted": "auto-generated"}
    if is_optional_kind(email.kind):
        headers["List-Unsubscribe"] = f"<{absolute_url('preferences')}>"
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient],
        headers=headers,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    if email.attachment_name:
        message.attach(email.attachment_name, email.attachment_content, email.attachment_mimetype or None)
    return message


# Kinds a recipient may turn off in their preferences: reminders and digests. Decisions and
# invitations are always sent.
OPTIONAL_KIND_PREFIXES = ("reminder_", "digest_")


def is_optional_kind(kind):
    return kind.startswith(OPTIONAL_KIND_PREFIXES)


# One open SMTP connection per worker process, reused from one email to the next.
_connection_cache = {}


def _deliver(message):
    key = (settings.EMAIL_BACKEND, getattr(settings, "EMAIL_HOST", ""), getattr(settings, "EMAIL_PORT", ""))
    connection = _connection_cache.get(key)
    reused = connection is not None
    if connection is None:
        connection = _open(key)
    try:
        connection.send_messages([message])
    except smtplib.SMTPServerDisconnected:
        # A reused connection the server has closed meanwhile: nothing was sent; reconnect once.
        _close(key)
        if not reused:
            raise
        connection = _open(key)
        try:
            connection.send_messages([message])
        except Exception:
            _close(key)
            raise
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
        raise  # the server answered (and smtplib reset the transaction): the connection still serves
    except Exception:
        _close(key)
        raise


def _open(key):
    # Opened here, the connection stays open after send_messages (which closes only what it opened).
    connection = get_connection(fail_silently=False)
    connection.open()
    _connection_cache.clear()
    _connection_cache[key] = connection
    return connection


def _close(key):
    connection = _connection_cache.pop(key, None)
    if connection is not None:
        with contextlib.suppress(Exception):  # closing a broken connection may fail too
            connection.close()


def close_cached_connections():
    for key in list(_connection_cache):
        _close(key)


def is_transient(exc):
    """SMTP 4xx and connection problems are worth retrying; SMTP 5xx (and an ESP's 4xx) are not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPException | OSError):  # disconnections, refused connections, timeouts
        return True
    if type(exc).__name__ == "AnymailRecipientsRefused":
        return False
    status = getattr(exc, "status_code", None)  # anymail's AnymailAPIError: the ESP's HTTP status
    if status is not None:
        return status == 429 or status >= 500
    return True


def _record_failure(email, exc):
    now = timezone.now()
    delays = retry_delays()
    transient = is_transient(exc)
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if transient and email.attempts <= len(delays):
        delay = delays[email.attempts - 1]
        OutgoingEmail.objects.filter(pk=email.pk, status=Status.SENDING).update(
            status=Status.QUEUED, next_attempt_at=now + timedelta(seconds=delay), last_error=error, updated_at=now
        )
        logger.warning(
            "outbox: email %s attempt %s failed (%s), retry in %s s",
            email.pk,
            email.attempts,
            type(exc).__name__,
            delay,
        )
        if delay <= 15 * 60:
            # Short delays get their own delayed task; longer ones are picked up by the sweep (a
            # Redis ETA longer than the visibility timeout would be redelivered anyway).
            enqueue_sending(email.pk, countdown=delay)
        return Status.QUEUED
    OutgoingEmail.objects.filter(pk=email.pk, status=Status.SENDING).update(
        status=Status.FAILED, next_attempt_at=None, last_error=error, updated_at=now
    )
    logger.error(
        "outbox: email %s failed for good after %s attempt(s) (%s)", email.pk, email.attempts, type(exc).__name__
    )
    return Status.FAILED


# --- Housekeeping -------------------------------------------------------------------------------


def stale_emails(now=None):
    """Rows the sweep must enqueue again: queued rows whose enqueue was lost (broker down, worker
    crash) or whose retry is due, and rows left *sending* by a worker that died."""
    now = now or timezone.now()
    grace = timedelta(seconds=getattr(settings, "OUTBOX_QUEUED_GRACE", 300))
    sending_timeout = timedelta(seconds=getattr(settings, "OUTBOX_SENDING_TIMEOUT", 900))
    due = Q(status=Status.QUEUED) & (
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=now - grace)
    )
    stuck = Q(status=Status.SENDING, sending_started_at__lte=now - sending_timeout)
    return OutgoingEmail.objects.filter(due | stuck)


def requeue_stale_emails(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Enqueue the send task again for stale rows; returns how many were enqueued."""
    now = now or timezone.now()
    ids = list(stale_emails(now).order_by("created_at").values_list("pk", flat=True)[:limit])
    # A row stuck in *sending* goes back to *queued* (its worker died): at least once, never lost.
    OutgoingEmail.objects.filter(pk__in=ids, status=Status.SENDING).update(
        status=Status.QUEUED, next_attempt_at=now, last_error="interrupted while sending", updated_at=now
    )
    size = getattr(settings, "OUTBOX_BATCH_SIZE", 50)
    batches = [ids[start : start + size] for start in range(0, len(ids), size)]
    enqueued = sum(len(batch) for batch in batches if enqueue_sending_batch(batch))
    if ids:
        logger.info("outbox: re-enqueued %s of %s stale email(s)", enqueued, len(ids))
    return enqueued


def retry(queryset: QuerySet[OutgoingEmail]) -> int:
    """Admin "retry": put failed, cancelled or waiting rows back in the queue for an immediate
    attempt (sent rows are never sent again; rows being sent are left to their worker or to the
    sweep). Returns the number of rows requeued."""
    # A row whose recipient was forgotten (forget_recipient) has nobody to go to any more.
    queryset = queryset.exclude(status__in=[Status.SENT, Status.SENDING]).exclude(recipient="")
    ids = list(queryset.values_list("pk", flat=True))
    count = OutgoingEmail.objects.filter(pk__in=ids).update(
        status=Status.QUEUED, attempts=0, next_attempt_at=None, updated_at=timezone.now()
    )
    for pk in ids:
        transaction.on_commit(partial(enqueue_sending, pk))
    return count


def forget_recipient(user: User) -> int:
    """A deleted account's emails: those not sent yet are cancelled, and every row loses its
    address and contents (they quote the person's name and applications). The rows stay, empty,
    so that the figures by kind and status remain; the purge deletes them in time. A row being
    sent right now is already in its worker's hands."""
    rows = OutgoingEmail.objects.filter(Q(recipient_user=user) | Q(recipient__iexact=user.email))
    now = timezone.now()
    rows.filter(status=Status.QUEUED).update(status=Status.CANCELLED, next_attempt_at=None, updated_at=now)
    return rows.update(
        recipient="",
        recipient_user=None,
        subject="",
        body_text="",
        body_html="",
        attachment_name="",
        attachment_content="",
        attachment_mimetype="",
        last_error="",
        updated_at=now,
    )


def purge_old_emails(*, now: datetime | None = None) -> int:
    """Delete finished rows older than ``OUTBOX_RETENTION_DAYS`` (they hold personal data)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=getattr(settings, "OUTBOX_RETENTION_DAYS", 90))
    deleted, _ = OutgoingEmail.objects.filter(
        status__in=[Status.SENT, Status.FAILED, Status.CANCELLED], created_at__lt=cutoff
    ).delete()
    return deleted
