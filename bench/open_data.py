"""Open data bench: the nightly open-data release and the ESF report at 100,000 applications.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_opendata .venv/bin/python bench/open_data.py

The database named by DATABASE_URL is created if missing, then WIPED (migrate + flush) and filled
with ``load_demo --candidates 100000`` in a child process (so that loading does not count in this
process's memory); a share of the applications is then marked as oriented by France Travail
agencies, Missions locales and other organisations, as advisers prepare them (``--reuse`` skips
all that and measures the data already there). Then, in this process, each measured twice, the
best kept:

- **the season export**: ``open_data.publish(force=True)``, what the nightly job does — the counts
  read per session, the tables of every programme season and of all seasons, the small-cell
  suppression with its exact audit, the CSV, JSON and datapackage files, their validation with
  frictionless, and the release stored;
- **the ESF report**: ``funders.esf_report({})`` for every programme, rendered as XLSX as the
  exports' task does.

Last line: ``open data: <T> s for the season export, <U> s for the ESF report, suppressed cells
<N>, peak RSS <M> MB`` (goals: under 10 s each, under 300 MB). Peak RSS is this process's
(``ru_maxrss``: Django, the data read, the files built).
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, analyze, start  # noqa: E402

os.environ.setdefault("LOG_LEVEL", "WARNING")
TIME_LIMIT_SECONDS = 1800
ORIENTED_SHARE = {"france_travail": 0.18, "mission_locale": 0.09, "plie": 0.03, "association": 0.04}
AGENCIES = [
    ("France Travail Paris 19e Flandre", "75119", "Paris"),
    ("France Travail Paris 20e Belleville", "75120", "Paris"),
    ("France Travail Paris 13e Tolbiac", "75113", "Paris"),
    ("France Travail Pantin", "93055", "Pantin"),
    ("France Travail Saint-Denis Pleyel", "93066", "Saint-Denis"),
    ("France Travail Villeneuve-la-Garenne", "92078", "Villeneuve-la-Garenne"),
    ("France Travail Valenciennes", "59606", "Valenciennes"),
]


def manage(*args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True, timeout=TIME_LIMIT_SECONDS)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def orient_applications():
    """Give a share of the applications an orienting organisation, by kind (one UPDATE each,
    spread by the application's id), as advisers would have prepared them."""
    from django.db import connection

    from candidates.models import AdviserOrganisation, Application, OrganisationKind

    organisations = {
        "france_travail": [
            AdviserOrganisation.objects.get_or_create(
                kind=OrganisationKind.FRANCE_TRAVAIL, code=code, defaults={"name": name, "commune": commune}
            )[0]
            for name, code, commune in AGENCIES
        ],
        "mission_locale": [
            AdviserOrganisation.objects.get_or_create(
                kind=OrganisationKind.MISSION_LOCALE, name=name, defaults={"commune": commune}
            )[0]
            for name, commune in (("Mission locale de Paris", "Paris"), ("Mission locale de Pantin", "Pantin"))
        ],
        "plie": [AdviserOrganisation.objects.get_or_create(kind=OrganisationKind.PLIE, name="PLIE Est Ensemble")[0]],
        "association": [
            AdviserOrganisation.objects.get_or_create(kind=OrganisationKind.ASSOCIATION, name="Association Belleville")[
                0
            ]
        ],
    }
    table = Application._meta.db_table
    low = 0.0
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET oriented_by_id = NULL")  # noqa: S608 — our table's name
        for kind, share in ORIENTED_SHARE.items():
            ids = [organisation.pk for organisation in organisations[kind]]
            # Each application falls in one band of (id * golden ratio) mod 1; within its kind's
            # band, the organisation is chosen by id.
            cursor.execute(
                f"UPDATE {table} SET oriented_by_id = (%s::bigint[])[1 + id %% %s] "  # noqa: S608
                "WHERE (id * 0.6180339887) - floor(id * 0.6180339887) >= %s "
                "AND (id * 0.6180339887) - floor(id * 0.6180339887) < %s",
                [ids, len(ids), low, low + share],
            )
            low += share


def best_of(runs, measure):
    results = []
    for _ in range(runs):
        started = time.perf_counter()
        value = measure()
        results.append((time.perf_counter() - started, value))
    return min(results, key=lambda result: result[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="measure the data already in the database")
    options = parser.parse_args()
    start("open_data", time_limit_seconds=TIME_LIMIT_SECONDS)
    from candidates.models import Application, TraineeFollowUp
    from candidates.reporting import funders, open_data

    if not options.reuse:
        started = time.perf_counter()
        manage("migrate", "--noinput", "-v0")
        manage("flush", "--noinput", "-v0")
        manage("load_demo", "--candidates", str(options.candidates), "-v0")
        orient_applications()
        analyze()
        print(f"data: loaded in {time.perf_counter() - started:.0f} s")
    applications = Application.objects.submitted().count()
    oriented = Application.objects.submitted().filter(oriented_by__isnull=False).count()
    print(
        f"data: {applications} submitted applications ({oriented} oriented), "
        f"{TraineeFollowUp.objects.count()} trainees followed"
    )

    export_seconds, _release = best_of(2, lambda: open_data.publish(force=True))
    release = open_data.latest_release()  # the second run replaced the first (one release a day)
    files = release.files.count()
    print(f"season export: {export_seconds:.2f} s, {files} files, {release.suppressed_cells} suppressed cells")

    def esf():
        return funders.esf_report({}).export("xlsx")

    esf_seconds, workbook = best_of(2, esf)
    print(f"ESF report: {esf_seconds:.2f} s, {len(workbook)} bytes")
    print(
        f"open data: {export_seconds:.1f} s for the season export, {esf_seconds:.1f} s for the ESF report, "
        f"suppressed cells {release.suppressed_cells}, peak RSS {peak_rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
