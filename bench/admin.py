"""Admin bench: the applications changelist and the programme dashboard at 100,000 applications.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_admin .venv/bin/python bench/admin.py

The database named by DATABASE_URL is created if missing, then WIPED (migrate + flush) and filled
with ``load_demo --candidates 100000``. Pages are fetched through Django's test client as a
municipal staff member: the changelist by default, filtered and searched, and the dashboard (all
programmes and one programme). Prints the p95 of each page, the last line being
``admin: changelist p95 <X> ms, dashboard p95 <Y> ms`` (targets: 300 ms and 1,000 ms).
"""

import os
import signal
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "100000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
TIME_LIMIT_SECONDS = 900


def ensure_database(url):
    """CREATE DATABASE if it does not exist (PostgreSQL only)."""
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    connection = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def p95(samples):
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(client, url, params, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, params)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, params, response.status_code)
    return samples


def main():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench/admin.py needs DATABASE_URL=postgres://… naming a database it may wipe.")
    signal.alarm(TIME_LIMIT_SECONDS)  # bound the whole run
    ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from candidates.models import Application
    from portal.tests.factories import municipal_staff
    from programmes.models import Programme

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    call_command("load_demo", candidates=CANDIDATES, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    count = Application.objects.count()
    print(f"data: {count} applications loaded in {time.perf_counter() - started:.0f} s")

    client = Client()
    client.force_login(municipal_staff(email="bench.agent@paris.example.org"))
    changelist = reverse("admin:candidates_application_changelist")
    dashboard = reverse("admin:programme_dashboard")
    programme = Programme.objects.order_by("pk").first()
    sample = Application.objects.exclude(candidate=None).select_related("candidate").order_by("pk")[count // 2]
    cases = {
        "changelist default": (changelist, {}),
        "changelist filtered": (
            changelist,
            {"status": "eligible", "is_woman__exact": "1", "programme": programme.pk},
        ),
        "changelist filtered page 20": (changelist, {"is_qpv_resident__exact": "1", "p": "20"}),
        "changelist searched (name)": (changelist, {"q": sample.candidate.last_name}),
        "changelist searched (email)": (changelist, {"q": sample.candidate.email}),
        "dashboard all": (dashboard, {}),
        "dashboard one programme": (dashboard, {"programme": programme.pk}),
    }
    results = {}
    for name, (path, params) in cases.items():
        client.get(path, params)  # warm up
        results[name] = timed(client, path, params, REPEAT)
        print(f"{name}: p50 {statistics.median(results[name]):.0f} ms, p95 {p95(results[name]):.0f} ms")
    changelist_samples = [s for name, samples in results.items() if name.startswith("changelist") for s in samples]
    dashboard_samples = [s for name, samples in results.items() if name.startswith("dashboard") for s in samples]
    print(f"admin: changelist p95 {p95(changelist_samples):.0f} ms, dashboard p95 {p95(dashboard_samples):.0f} ms")


if __name__ == "__main__":
    main()
