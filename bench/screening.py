"""Batch re-screening at volume, the way production runs it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_screen python bench/screening.py

Wipes the database it is given (migrate + flush), loads the demo with ``load_demo --candidates``
(100,000 synthetic candidates, one application each) and re-opens every application so that
100,000 are open (screenable). A first, untimed pass screens them all (the demo
never screened them). Then a rules change (a new version of every programme's rules: POP School's
age limit, the Écoles du Web's départements, Paris Code's weights) and, timed, the
``rescreen_programme`` task once per programme (the admin action's task, run in-process with the
code a worker runs): every open application gets a new screening; those whose outcome changes
move status, with their events, history and notifications. Also times the per-application path
(``screen_application``, the task run after each submission) on a sample, for comparison. Last line:
``screening: <N> applications/s, peak RSS <M> MB``.

Options: ``--candidates N`` (default 100000), ``--sample N`` (default 300), ``--reuse`` (keep the
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
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--reuse", action="store_true")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database this bench may wipe.")
    from bench.common import ensure_database

    ensure_database(os.environ["DATABASE_URL"])

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

    def rescreen_everything():
        """The admin action's task for each programme; returns (applications, seconds, changes)."""
        processed = moved = 0
        started = time.monotonic()
        for programme in Programme.objects.order_by("pk"):
            run = RescreeningRun.objects.create(programme=programme)
            tasks.rescreen_programme.apply(args=[programme.pk, run.pk])
            run.refresh_from_db()
            assert run.state == RescreeningRun.State.DONE, run.error
            processed, moved = processed + run.processed, moved + run.status_changes
        return processed, time.monotonic() - started, moved

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
        f" {moved:,} status changes; chunks of {screening.CHUNK_SIZE})",
        flush=True,
    )
    print(f"screening: {processed / elapsed:,.0f} applications/s, peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
