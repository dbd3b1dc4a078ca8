"""Public pages against the floor: the portal in production settings beside a one-query view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/public_pages.py

The database named by DATABASE_URL is created if missing, then WIPED and filled with
``load_demo --candidates 20000`` (BENCH_CANDIDATES) plus one candidate with a password, a complete
profile and 10 applications; the Redis database is flushed. Two gunicorn servers run side by side on
free loopback ports, each with 2 sync workers (BENCH_WORKERS) on the same database: the portal
(``DJANGO_DEBUG=0``, behind a pretend proxy: ``X-Forwarded-Proto: https``) and the floor
(``bench/floor.py``: one view doing ``SELECT 1``, no middleware). Debian's ``wrk`` (installed if
missing) loads one URL at a time with the same concurrency (BENCH_CONNECTIONS, 16) for
BENCH_SECONDS (4) each, in BENCH_ROUNDS (5) interleaved rounds: in each round, every page right
after a run on the floor. A page's figure is the median over rounds of its requests/s divided by
the floor's just before. All this twice: with 100,000 applications (BENCH_LARGE), then with
20,000: the figures must stay within 10 % (cost does not grow with applications).

Pages: home, catalogue, filtered catalogue (open, seats left, Seine-Saint-Denis), a session page
(anonymous); the catalogue and « Mes candidatures » logged in (the session cookie of a real login).
Last line: ``public pages: home <a>, catalogue <b>, filtered catalogue <c>, session <d>,
logged-in catalogue <e>, my applications <f> of the floor`` (at 20,000 applications).
"""

import http.client
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "20000"))
LARGE = int(os.environ.get("BENCH_LARGE", "100000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
TIME_LIMIT_SECONDS = 1500
PAGES = ("home", "catalogue", "filtered catalogue", "session", "logged-in catalogue", "my applications")
PROXY_HEADERS = ("X-Forwarded-Proto: https", "Accept-Language: fr")


def prepare(candidates):
    """Wipe and load the data; return each page's path and extra headers."""
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from candidates.tests.factories import application_in, candidate
    from candidates.workflow import Status
    from programmes.models import EligibilityRuleSet, Session

    started = time.perf_counter()
    common.load_demo(candidates)
    cache.clear()
    user = candidate(user__email="bench.public@example.org")
    statuses = [Status.SUBMITTED, Status.ELIGIBLE, Status.WAITLISTED, Status.NOT_ELIGIBLE, Status.DRAFT]
    for index, session in enumerate(Session.objects.open_for_applications().order_by("pk")[:10]):
        application_in(statuses[index % len(statuses)], candidate=user, session=session)
    common.analyze()
    client = Client()
    client.force_login(user)
    cookie = f"Cookie: sessionid={client.cookies['sessionid'].value}"
    session = next(s for s in Session.objects.open_for_applications() if EligibilityRuleSet.objects.current_for(s))
    catalogue = reverse("programmes:catalogue")
    print(f"data: {candidates} applications loaded in {time.perf_counter() - started:.0f} s", flush=True)
    return {
        "home": ("/", ()),
        "catalogue": (catalogue, ()),
        "filtered catalogue": (f"{catalogue}?open=on&seats=on&departement=93", ()),
        "session": (session.get_absolute_url(), ()),
        "logged-in catalogue": (catalogue, (cookie,)),
        "my applications": (reverse("candidates:application_list"), (cookie,)),
    }


def check_page(port, path, headers, *, logged_in):
    """One request: the page answers 200 (not a redirect to the login or the HTTPS redirect) and
    shows the logged-in menu only when it should."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=dict(h.split(": ", 1) for h in (*PROXY_HEADERS, *headers)))
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    assert response.status == 200, (path, response.status, response.getheader("Location"))
    assert ("Se déconnecter" in body) == logged_in, (path, "logged-in menu" if not logged_in else "anonymous")


def measure(pages, portal_port, floor_port):
    """Interleaved: the floor is measured right before each page, with the same wrk settings, so
    that both see the same machine (others' load comes and goes)."""
    ratios = {name: [] for name in pages}
    for round_number in range(1, ROUNDS + 1):
        line = []
        for name, (path, headers) in pages.items():
            floor = common.wrk(
                f"http://127.0.0.1:{floor_port}/", seconds=SECONDS, connections=CONNECTIONS, headers=PROXY_HEADERS
            )
            rate = common.wrk(
                f"http://127.0.0.1:{portal_port}{path}",
                seconds=SECONDS,
                connections=CONNECTIONS,
                headers=(*PROXY_HEADERS, *headers),
            )
            ratios[name].append(rate / floor)
            line.append(f"{name} {rate:.0f}/s (floor {floor:.0f}/s)")
        print(f"round {round_number}: " + ", ".join(line) + f" (load average {common.load_average():.1f})", flush=True)
    return {name: statistics.median(values) for name, values in ratios.items()}


def run(candidates):
    pages = prepare(candidates)
    from django.db import connections

    connections.close_all()
    env = common.production_environment()
    portal = common.gunicorn("public-portal", "portal.wsgi", env=env, workers=WORKERS).start()
    floor = common.gunicorn("public-floor", "bench.floor:application", env=env, workers=WORKERS).start()
    try:
        for path, headers in pages.values():
            check_page(portal.port, path, headers, logged_in=bool(headers))
            # Warm up: every worker compiles its templates and fills the cache before measuring.
            common.wrk(
                f"http://127.0.0.1:{portal.port}{path}", seconds=1, connections=4, headers=(*PROXY_HEADERS, *headers)
            )
        common.wrk(f"http://127.0.0.1:{floor.port}/", seconds=1, connections=4)
        return measure(pages, portal.port, floor.port)
    finally:
        portal.stop()
        floor.stop()


def main():
    common.production_environment()  # the shared secret key, before Django reads its settings
    common.start("public_pages", time_limit_seconds=TIME_LIMIT_SECONDS)
    common.ensure_debian_packages(wrk="wrk")
    common.collectstatic()
    figures = {}
    for count in (LARGE, CANDIDATES) if LARGE else (CANDIDATES,):
        figures[count] = run(count)
        print(
            f"at {count} applications: "
            + ", ".join(f"{name} {ratio:.2f}" for name, ratio in figures[count].items())
            + f" of the floor (load average {common.load_average():.1f})",
            flush=True,
        )
    if LARGE:
        drift = {name: figures[LARGE][name] / figures[CANDIDATES][name] - 1 for name in PAGES}
        print(
            f"from {CANDIDATES} to {LARGE} applications: "
            + ", ".join(f"{name} {change:+.0%}" for name, change in drift.items())
        )
    small = figures[CANDIDATES]
    print(
        f"public pages: home {small['home']:.2f}, catalogue {small['catalogue']:.2f}, "
        f"filtered catalogue {small['filtered catalogue']:.2f}, session {small['session']:.2f}, "
        f"logged-in catalogue {small['logged-in catalogue']:.2f}, my applications {small['my applications']:.2f} "
        "of the floor"
    )


if __name__ == "__main__":
    main()
