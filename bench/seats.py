"""Seat offers under contention: 200 concurrent offer attempts over 20 sessions on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1/bench_seats python bench/seats.py

The database named by DATABASE_URL is migrated then wiped. 20 sessions of 6 seats each get 10
eligible applicants; 200 "offer a seat" attempts (one per applicant, shuffled across sessions) run
on 20 threads (BENCH_THREADS), each with its own connection, all released at once. The last line reads
``seats: <N> offers/s, overbooked <K>``: N is the successful offers per second of wall time, K the
seats given beyond capacity over all sessions (must be 0).
"""

import multiprocessing
import os
import random
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# Tasks queued on commit (emails) go to an in-memory broker: the bench measures the seat lock.
os.environ["CELERY_BROKER_URL"] = "memory://"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
os.environ.setdefault("LOG_LEVEL", "WARNING")
# As in production: DEBUG off (cached template loader, no query log kept per connection).
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + "x" * 60)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")

SESSIONS = 20
SEATS = 6
APPLICANTS_PER_SESSION = 10
THREADS = int(os.environ.get("BENCH_THREADS", "20"))
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "4"))
TIME_LIMIT = 120  # seconds for the whole run of attempts


def main():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/seats.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    from bench.common import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        sys.exit("bench/seats.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)

    from candidates import seats

    staff, applications, sessions, warm_up_application = make_data()
    random.Random(2017).shuffle(applications)
    warm_up_process(staff, warm_up_application)
    # Like gunicorn's workers: several processes, each with its own threads and connections, so
    # that one interpreter's lock does not serialise the attempts.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(THREADS)
    results = context.Queue()
    per_process = [applications[n::PROCESSES] for n in range(PROCESSES)]
    workers = [
        context.Process(target=run_attempts, args=(chunk, staff, THREADS // PROCESSES, barrier, results))
        for chunk in per_process
    ]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=TIME_LIMIT + 60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    outcomes = Counter()
    for report in reports:
        outcomes.update(report["outcomes"])
    elapsed = max(r["ended"] for r in reports) - min(r["started"] for r in reports)

    # Counted from the applications' statuses (not the figures kept on the rows): the ground truth.
    derived = seats.derived_figures([session.pk for session in sessions])
    held = ("seats_offered", "seats_accepted", "seats_enrolled")
    overbooked = sum(
        max(sum(derived.get(session.pk, {}).get(field, 0) for field in held) - session.capacity, 0)
        for session in sessions
    )
    print(
        f"{len(applications)} attempts over {SESSIONS} sessions of {SEATS} seats, "
        f"{PROCESSES} processes × {THREADS // PROCESSES} threads: "
        f"{outcomes['offered']} offered, {outcomes['full']} session full, {outcomes['error']} errors "
        f"in {elapsed:.2f} s ({len(applications) / elapsed:.0f} attempts/s)"
    )
    print(f"seats: {outcomes['offered'] / elapsed:.0f} offers/s, overbooked {overbooked}")


def warm_up_process(staff, warm_up_application):
    """One offer on a session outside the measured ones, before forking: the worker processes
    start warm, as a server's processes are after their first requests (templates compiled,
    translation catalogues loaded), so that the figure measures offers, not interpreter warm-up."""
    from candidates import seats

    seats.offer_seat(warm_up_application, actor=staff)


def run_attempts(applications, staff, threads, barrier, results):
    """One process's share of the attempts, on its own threads, each with its own connection."""
    from django.db import connection, connections

    from candidates import seats
    from candidates.services import TransitionError

    outcomes = Counter()
    counting = threading.Lock()
    deadline = time.monotonic() + TIME_LIMIT

    def warm_up(_):
        # Open each thread's connection and line every thread of every process up.
        connection.ensure_connection()
        barrier.wait(timeout=60)

    def attempt(application):
        key = "error"
        if time.monotonic() < deadline:
            try:
                seats.offer_seat(application, actor=staff)
                key = "offered"
            except seats.SessionFull:
                key = "full"
            except TransitionError:
                key = "error"
        with counting:
            outcomes[key] += 1

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(warm_up, range(threads)))
        started = time.time()
        list(pool.map(attempt, applications))
        ended = time.time()
        list(pool.map(lambda _: connections.close_all(), range(threads)))
    results.put({"outcomes": dict(outcomes), "started": started, "ended": ended})


def make_data():
    import datetime

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from candidates.models import Application, CandidateProfile
    from candidates.workflow import Status
    from portal.models import User
    from programmes.models import Programme, ProviderMembership, Session, Track, TrainingProvider, TrainingSite

    today = timezone.localdate()
    programme = Programme.objects.create(name="Paris Code — bench", slug="bench", offer_deadline_days=7)
    provider = TrainingProvider.objects.create(name="Structure bench", slug="bench", kind="social_economy")
    site = TrainingSite.objects.create(
        provider=provider, name="Site bench", address="1 rue", postcode="75019", commune="Paris", departement="75"
    )
    staff = User.objects.create(email="centre@bench.example.org", password=make_password(None))
    ProviderMembership.objects.create(provider=provider, user=staff)
    sessions = [
        Session.objects.create(
            programme=programme,
            site=site,
            name=f"Session {n}",
            track=Track.WEB_DEVELOPER,
            starts_on=today + datetime.timedelta(days=60),
            ends_on=today + datetime.timedelta(days=360),
            applications_open_on=today - datetime.timedelta(days=10),
            applications_close_on=today + datetime.timedelta(days=30),
            capacity=SEATS,
        )
        for n in range(SESSIONS + 1)
    ]
    # The last session and applicant serve warm_up_process() only.
    count = SESSIONS * APPLICANTS_PER_SESSION + 1
    users = User.objects.bulk_create(
        [User(email=f"candidate{n}@bench.example.org", password=make_password(None)) for n in range(count)]
    )
    CandidateProfile.objects.bulk_create([CandidateProfile(user=user) for user in users])
    now = timezone.now()
    applications = Application.objects.bulk_create(
        [
            Application(
                candidate=user,
                session=sessions[n % SESSIONS] if n < count - 1 else sessions[-1],
                status=Status.ELIGIBLE,
                submitted_at=now,
                screening_outcome="eligible",
                priority_score=n % 17,
            )
            for n, user in enumerate(users)
        ]
    )
    return staff, applications[:-1], sessions[:-1], applications[-1]


if __name__ == "__main__":
    main()
