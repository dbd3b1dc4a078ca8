"""Admin bench: the applications changelist and the programme dashboard at 100,000 applications.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_admin .venv/bin/python bench/admin.py

The database named by DATABASE_URL is created if missing, then WIPED (migrate + flush) and filled
with ``load_demo --candidates 100000``. Pages are fetched through Django's test client as a
municipal staff member: the changelist by default, filtered and searched, and the dashboard (all
programmes and one programme). Prints the p95 of each page, the last line being
``admin: changelist p95 <X> ms, dashboard p95 <Y> ms`` (targets: 300 ms and 1,000 ms).
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import analyze, ensure_database, load_demo, p95, start  # noqa: E402

__all__ = ["ensure_database", "p95", "timed"]  # bench/partners.py reuses these

CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "100000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
TIME_LIMIT_SECONDS = 900


def timed(client, url, params, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, params)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, params, response.status_code)
    return samples


def main():
    start("admin", time_limit_seconds=TIME_LIMIT_SECONDS)
    from django.urls import reverse

    from candidates.models import Application
    from portal.tests.auth import PortalClient
    from portal.tests.factories import municipal_staff
    from programmes.models import Programme

    started = time.perf_counter()
    load_demo(CANDIDATES)
    analyze()
    count = Application.objects.count()
    print(f"data: {count} applications loaded in {time.perf_counter() - started:.0f} s")

    client = PortalClient()  # signed in with the agent's second factor, as staff must be
    client.force_login(municipal_staff(email="bench.agent@paris.example.org"))
    changelist = reverse("admin:candidates_application_changelist")
    dashboard = reverse("admin:programme_dashboard")
    programme = Programme.objects.order_by("pk").first()
    sample = Application.objects.exclude(candidate=None).select_related("candidate").order_by("pk")[count // 2]
    page = max(1, min(20, Application.objects.filter(is_qpv_resident=True).count() // 50))
    cases = {
        "changelist default": (changelist, {}),
        "changelist filtered": (
            changelist,
            {"status": "eligible", "is_woman__exact": "1", "programme": programme.pk},
        ),
        "changelist filtered page 20": (changelist, {"is_qpv_resident__exact": "1", "p": str(page)}),
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
