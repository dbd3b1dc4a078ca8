"""Candidates bench: the public catalogue, a session page with the eligibility check, and a
candidate's own pages, with many sessions and applications.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_cand .venv/bin/python bench/candidates.py

The database named by DATABASE_URL is created if missing, then WIPED (migrate + flush) and filled
with ``load_demo --candidates N`` (BENCH_CANDIDATES, default 20,000 submitted applications) plus
BENCH_SESSIONS extra upcoming sessions (default 1,000) and one candidate with 30 applications.
Pages are fetched through Django's test client (no network), each BENCH_REPEAT times after a
warm-up. Prints the p50/p95 of each page; the last line is
``candidates: catalogue p95 <A> ms, session page p95 <B> ms, eligibility check p95 <C> ms, my applications p95 <D> ms``.
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import analyze, load_demo, p95, start  # noqa: E402

CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "20000"))
SESSIONS = int(os.environ.get("BENCH_SESSIONS", "1000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
TIME_LIMIT_SECONDS = 900


def timed(client, method, url, data, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = getattr(client, method)(url, data)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, data, response.status_code)
    return samples


def add_sessions(count):
    """Upcoming sessions spread over the demo's programmes and sites, in one bulk insert."""
    from programmes.models import Programme, Session, Track, TrainingSite

    programmes = list(Programme.objects.all())
    sites = list(TrainingSite.objects.all())
    tracks = list(Track)
    today = datetime.date.today()
    Session.objects.bulk_create(
        Session(
            programme=programmes[index % len(programmes)],
            site=sites[index % len(sites)],
            name=f"Session de bench {index}",
            track=tracks[index % len(tracks)],
            starts_on=today + datetime.timedelta(days=30 + index % 300),
            ends_on=today + datetime.timedelta(days=330 + index % 300),
            applications_open_on=today - datetime.timedelta(days=10),
            applications_close_on=today + datetime.timedelta(days=20 + index % 200),
            capacity=12 + index % 10,
            selection_steps=["application", "test", "interview"],
        )
        for index in range(count)
    )


def main():
    start("candidates", time_limit_seconds=TIME_LIMIT_SECONDS)
    from django.test import Client
    from django.urls import reverse

    from candidates.models import Application
    from candidates.tests.factories import application_in, candidate
    from candidates.workflow import Status
    from programmes.models import EligibilityRuleSet, Session

    started = time.perf_counter()
    load_demo(CANDIDATES)
    add_sessions(SESSIONS)
    user = candidate(user__email="bench.candidate@example.org")
    for session in Session.objects.open_for_applications().order_by("pk")[:30]:
        application_in(Status.SUBMITTED, candidate=user, session=session)
    analyze()
    print(
        f"data: {Session.objects.count()} sessions, {Application.objects.count()} applications "
        f"loaded in {time.perf_counter() - started:.0f} s"
    )

    ruled = next(s for s in Session.objects.open_for_applications() if EligibilityRuleSet.objects.current_for(s))
    catalogue = reverse("programmes:catalogue")
    anonymous, logged_in = Client(), Client()
    logged_in.force_login(user)
    application = Application.objects.filter(candidate=user).first()
    cases = {
        "catalogue default": (anonymous, "get", catalogue, {}),
        "catalogue filtered": (anonymous, "get", catalogue, {"open": "on", "seats": "on", "departement": "93"}),
        "catalogue searched": (anonymous, "get", catalogue, {"q": "développeur paris"}),
        "catalogue page 20": (anonymous, "get", catalogue, {"page": "20"}),
        "session page": (anonymous, "get", ruled.get_absolute_url(), {}),
        "eligibility check": (
            anonymous,
            "post",
            ruled.get_absolute_url(),
            {"birth_date": "2000-05-17", "qualification_level": "4", "postcode": "93500", "commune": "Pantin"},
        ),
        "my applications": (logged_in, "get", reverse("candidates:application_list"), {}),
        "application detail": (
            logged_in,
            "get",
            reverse("candidates:application_detail", args=[application.reference]),
            {},
        ),
    }
    results = {}
    for name, (client, method, path, data) in cases.items():
        getattr(client, method)(path, data)  # warm up
        results[name] = timed(client, method, path, data, REPEAT)
        print(f"{name}: p50 {statistics.median(results[name]):.0f} ms, p95 {p95(results[name]):.0f} ms")
    catalogue_samples = [s for name, samples in results.items() if name.startswith("catalogue") for s in samples]
    print(
        f"candidates: catalogue p95 {p95(catalogue_samples):.0f} ms, "
        f"session page p95 {p95(results['session page']):.0f} ms, "
        f"eligibility check p95 {p95(results['eligibility check']):.0f} ms, "
        f"my applications p95 {p95(results['my applications']):.0f} ms"
    )


if __name__ == "__main__":
    main()
