"""Batch re-screening at volume, the way production runs it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_screen python bench/screening.py

Wipes the database it is given (migrate + flush), loads the demo with ``load_demo --candidates``
(100,000 synthetic candidates, one application each) and re-opens every application so that
100,000 are open (screenable). It then saves a new version of every programme's rules and runs
the ``rescreen_programme`` task once per programme (the admin action's task, in-process, with the
same code a worker runs): every application gets a new screening, and those whose outcome changes
move status with their events. Also times the per-application path (``screen``, the task run
after each submission) on a sample for comparison. Last line:
``screening: <N> applications/s, peak RSS <M> MB``.

Options: ``--candidates N`` (default 100000), ``--sample N`` (default 1000), ``--reuse`` (keep the
data of a previous run: skips migrate/flush/load_demo).
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"  # tasks run in this process, as a worker would run them
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + "x" * 60)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
TIMEOUT = 1200  # seconds, for each setup step


def manage(*args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True, timeout=TIMEOUT)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database this bench may wipe.")

    if not options.reuse:
        started = time.monotonic()
        manage("migrate", "--noinput", "-v0")
        manage("flush", "--noinput")
        manage("load_demo", "--candidates", str(options.candidates))
        print(f"setup: {time.monotonic() - started:.0f} s", flush=True)

    import django

    django.setup()
    from django.db import connection

    from candidates import screening, tasks
    from candidates.models import Application, RescreeningRun
    from candidates.workflow import SCREENABLE_STATUSES, Status
    from programmes.models import EligibilityRuleSet, Programme
    from programmes.rules import save_new_version

    # Every application open: the demo spreads statuses over the whole selection.
    reopened = Application.objects.exclude(status__in=SCREENABLE_STATUSES).update(
        status=Status.SUBMITTED, offer_expires_at=None
    )
    open_count = Application.objects.filter(status__in=SCREENABLE_STATUSES).count()
    print(f"open applications: {open_count} ({reopened} re-opened)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    def new_rules_versions(note):
        for programme in Programme.objects.all():
            current = EligibilityRuleSet.objects.filter(programme=programme, session__isnull=True, is_current=True)
            rule_set = current.first() or EligibilityRuleSet(programme=programme, min_age=18)
            save_new_version(rule_set, comment=note)

    # The per-application path on a sample, for comparison.
    new_rules_versions("bench: sample")
    sample = list(
        Application.objects.filter(status__in=SCREENABLE_STATUSES)
        .order_by("?")
        .values_list("pk", flat=True)[: options.sample]
    )
    started = time.monotonic()
    for application_id in sample:
        tasks.screen_application.apply(args=[application_id])
    single_rate = len(sample) / (time.monotonic() - started)
    print(f"per-application path (screen_application task): {single_rate:,.0f} applications/s", flush=True)

    # The batch path: a new rules version, then the admin action's task for each programme.
    new_rules_versions("bench: batch")
    processed = rescreened = moved = 0
    started = time.monotonic()
    for programme in Programme.objects.order_by("pk"):
        run = RescreeningRun.objects.create(programme=programme)
        tasks.rescreen_programme.apply(args=[programme.pk, run.pk])
        run.refresh_from_db()
        assert run.state == RescreeningRun.State.DONE, run.error
        processed, rescreened, moved = (
            processed + run.processed,
            rescreened + run.rescreened,
            moved + run.status_changes,
        )
    elapsed = time.monotonic() - started
    print(
        f"batch: {processed:,} applications in {elapsed:.1f} s ({rescreened:,} new screenings, {moved:,} status changes,"
        f" chunks of {screening.CHUNK_SIZE})",
        flush=True,
    )
    print(f"screening: {processed / elapsed:,.0f} applications/s, peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
