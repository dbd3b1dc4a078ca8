"""Outbox bench: 10,000 queued emails sent by real Celery workers on Redis to a local SMTP sink.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_outbox REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/outbox.py

The database named by DATABASE_URL is created if missing, then WIPED (migrate + flush); the Redis
database's mail queue is purged. The bench writes 10,000 rendered outbox rows, starts an SMTP sink
(aiosmtpd, in a thread) and a Celery worker on the `mail` queue, publishes one send task per row
in batches of 50 as the sweep does, plus a second delivery
for one batch in ten (as a redelivered task would be), and waits until every
row is sent or the time limit passes. Duplicates and losses are counted at the sink by Message-ID
(each row's is derived from its idempotency key). Prints, last:
``outbox: <N> emails/s, <D> duplicates, <L> lost`` (target: at least 200 emails/s, 0, 0).
"""

import collections
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from bench.common import Worker, ensure_database  # noqa: E402

EMAILS = int(os.environ.get("BENCH_EMAILS", "10000"))
# Sending is mostly waiting on SMTP and PostgreSQL: a mail worker runs more processes than cores.
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", str(4 * (os.cpu_count() or 1))))
REDELIVERED_EVERY = 10
BATCH = 50  # settings.OUTBOX_BATCH_SIZE's default
TIME_LIMIT_SECONDS = 300


def main():
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("Set DATABASE_URL to a PostgreSQL database the bench may wipe, and REDIS_URL.")
    ensure_database(database_url)

    import logging

    from portal.tests.smtp import SmtpSink

    sink = SmtpSink().start()
    os.environ["EMAIL_URL"] = sink.url
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"

    import django

    django.setup()
    from django.core.management import call_command

    from portal import outbox
    from portal.celery import app
    from portal.models import OutgoingEmail
    from portal.tasks import send_outgoing_emails

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    with app.connection_for_write() as connection:
        for queue in ("mail", "default"):
            connection.default_channel.queue_purge(queue)

    print(f"writing {EMAILS} queued emails…", flush=True)
    subject, text, html = outbox.render_email(
        "application_received",
        {"session": {"name": "Développeur web — Pantin"}, "application_url": "http://127.0.0.1:8000/"},
        language="fr",
    )
    OutgoingEmail.objects.bulk_create(
        [
            OutgoingEmail(
                idempotency_key=f"bench:{n}",
                kind="application_received",
                recipient=f"candidate{n}@example.org",
                subject=subject,
                body_text=text,
                body_html=html,
            )
            for n in range(EMAILS)
        ],
        batch_size=2000,
    )
    rows = list(OutgoingEmail.objects.order_by("pk"))
    expected = {outbox.message_id(row) for row in rows}

    worker = Worker("outbox", queues=["mail"], concurrency=CONCURRENCY).start()
    try:
        time.sleep(1)
        print(f"worker started (prefork, concurrency {CONCURRENCY}); publishing…", flush=True)
        started = time.monotonic()
        # As the sweep and bulk queuing do: one task per batch of rows.
        ids = [row.pk for row in rows]
        batches = [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
        with app.producer_or_acquire() as producer:
            for n, batch in enumerate(batches):
                send_outgoing_emails.apply_async((batch,), producer=producer)
                if n % REDELIVERED_EVERY == 0:
                    send_outgoing_emails.apply_async((batch,), producer=producer)  # a second delivery
        deadline = started + TIME_LIMIT_SECONDS
        sent = 0
        while time.monotonic() < deadline:
            sent = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT).count()
            if sent == EMAILS or not worker.running():
                break
            time.sleep(0.25)
        elapsed = time.monotonic() - started
        time.sleep(1)  # let the redelivered tasks finish: a late duplicate would show up
    finally:
        worker.stop()
        sink.stop()

    received = collections.Counter(sink.message_ids())
    duplicates = sum(count - 1 for count in received.values() if count > 1)
    lost = len(expected - set(received))
    statuses = dict(collections.Counter(OutgoingEmail.objects.values_list("status", flat=True)))
    print(f"rows by status: {statuses}; {sent} sent in {elapsed:.1f} s; sink received {sum(received.values())}")
    print(f"outbox: {round(sent / elapsed)} emails/s, {duplicates} duplicates, {lost} lost")


if __name__ == "__main__":
    main()
