"""Batch re-screening at volume, the way production runs it: real Celery workers on Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_screen REDIS_URL=redis://127.0.0.1:6379/13 \\
        python bench/screening.py

Wipes the database it is given (migrate + flush) and purges the Redis database's queues, loads the
demo with ``load_demo --candidates`` (100,000 synthetic candidates, one application each) and
re-opens every application so that 100,000 are open (screenable). It starts a Celery worker on the
``screening`` queue (prefork, one process per core: ``BENCH_CONCURRENCY``). A first, untimed pass
screens them all (the demo never screened them). Then a rules change (a new version of every
programme's rules: POP School's age limit, the Écoles du Web's départements, Paris Code's weights)
and, timed, what the admin action does: one ``rescreen_programme`` task per programme, which cuts
the programme's open applications into chunks and enqueues one ``rescreen_programme_chunk`` task
each; the worker's processes take the chunks side by side. Every open application gets a new
screening; those whose outcome changes move status, with their events, history and notifications
(queued in the outbox; the ``mail`` queue is not consumed here). The time runs from the first
publish to the last run's end. Also times the per-application path (``screen_application``, the
task run after each submission, in this process) on a sample, for comparison. Last line:
``screening: <N> applications/s, peak RSS <M> MB`` — M is the largest peak resident size of any
process (this one, the worker's and its pool's).

Options: ``--candidates N`` (default 100000), ``--sample N`` (default 300), ``--reuse`` (keep the
data of a previous run, migrated: skips flush and load_demo).
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
# Tasks are published to Redis for the worker; the per-application sample runs here (apply()).
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + "x" * 60)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
TIMEOUT = 1200  # seconds, for each setup step and each pass
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", str(os.cpu_count() or 1)))


def manage(*args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True, timeout=TIMEOUT)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--reuse", action="store_true")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database this bench may wipe.")
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL to a Redis database whose queues this bench may purge.")
    from bench.common import Worker, ensure_database

    ensure_database(os.environ["DATABASE_URL"])

    manage("migrate", "--noinput", "-v0")
    if not options.reuse:
        started = time.monotonic()
        manage("flush", "--noinput")
        manage("load_demo", "--candidates", str(options.candidates))
        print(f"setup: {time.monotonic() - started:.0f} s", flush=True)

    import django

    django.setup()
    from portal.celery import app

    app.control.purge()
    worker = Worker("screening", queues=["screening"], concurrency=CONCURRENCY).start()
    try:
        measure(options, worker)
    finally:
        worker.stop()
        app.control.purge()


def measure(options, worker):
    from django.conf import settings
    from django.db import connection
    from django.db.models import Max, Sum
    from django.utils import timezone

    from candidates import tasks
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

    def rescreen_everything():
        """The admin action's task for each programme, run by the worker; returns (applications,
        seconds from the first publish to the last run's end, status changes)."""
        runs = [RescreeningRun.objects.create(programme=programme) for programme in Programme.objects.order_by("pk")]
        started = timezone.now()
        for run in runs:
            tasks.rescreen_programme.delay(run.programme_id, run_id=run.pk)
        pending = RescreeningRun.objects.filter(pk__in=[run.pk for run in runs])
        deadline = time.monotonic() + TIMEOUT
        while pending.exclude(state__in=["done", "failed"]).exists():
            if time.monotonic() > deadline or not worker.running():
                sys.exit(f"the re-screening did not finish: see {worker.log_path}")
            worker.sample_memory()
            time.sleep(0.1)
        failed = pending.filter(state="failed").first()
        assert failed is None, f"run {failed.pk} failed: {failed.error} (see {worker.log_path})"
        figures = pending.aggregate(processed=Sum("processed"), moved=Sum("status_changes"), ended=Max("finished_at"))
        return figures["processed"], (figures["ended"] - started).total_seconds(), figures["moved"]

    def new_rules_versions(note, changes=None):
        """A new version of every programme's rules (with ``changes`` by programme slug)."""
        for programme in Programme.objects.all():
            current = EligibilityRuleSet.objects.filter(programme=programme, session__isnull=True, is_current=True)
            rule_set = current.first() or EligibilityRuleSet(programme=programme, min_age=18)
            for field, value in (changes or {}).get(programme.slug, {}).items():
                setattr(rule_set, field, value(getattr(rule_set, field)) if callable(value) else value)
            save_new_version(rule_set, comment=note)

    # Not timed: the demo's applications were never screened; bring them all to a screened state.
    processed, elapsed, moved = rescreen_everything()
    print(f"first screening of every application: {processed:,} in {elapsed:.0f} s ({moved:,} status changes)")

    # The per-application path (the task run after each submission) on a sample, for comparison.
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

    # Timed: a rules change, then the batch re-screening of every open application.
    new_rules_versions(
        "bench: rules change",
        {
            "pop-school": {"max_age": 24},
            "ecoles-du-web": {"allowed_departements": lambda departements: [*departements, "75"]},
            "paris-code": {"priority_weights": lambda weights: {**weights, "women": weights.get("women", 0) + 5}},
        },
    )
    processed, elapsed, moved = rescreen_everything()
    print(
        f"batch re-screening: {processed:,} applications in {elapsed:.1f} s (each gets a new screening;"
        f" {moved:,} status changes; chunks of {settings.RESCREENING_CHUNK_SIZE})",
        flush=True,
    )
    peak = max(peak_rss_mb(), worker.peak_rss_mb())
    print(f"screening: {processed / elapsed:,.0f} applications/s, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
