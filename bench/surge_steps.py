"""Each step of the opening-day journey, in-process: CPU time and queries per request, and the
worker's share per application.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/surge_steps.py [--profile STEP …] [--sql STEP …] [--reuse] [--instructions]

CPU time of one process is a far steadier measure than wall time on a shared machine: this is
what drives the work on the surge path (bench/surge.py measures the whole stack, under load).

The database named by DATABASE_URL is created if missing, then WIPED and filled as bench/surge.py
fills it (``load_demo --candidates 20000``, BENCH_BACKGROUND; BENCH_ACCOUNTS (60) verified
candidates with complete, eligible profiles); ``--reuse`` keeps the data of an earlier run and only
adds fresh accounts. Settings are production's (``DJANGO_DEBUG=0``, cache, sessions and rate limits
in Redis, Argon2id), behind a pretend proxy (``X-Forwarded-Proto``, one address per candidate).

Each candidate goes through bench/surge.py's journey with Django's test client (CSRF checks on,
tokens taken from the pages as a browser would): login page, login, home, catalogue, filtered
catalogue, session page (its button starts the application), every application step (GET and
POST, a real PDF for the documents),
send, the application, « Mes candidatures », logout. Then the worker's side, in the same process,
as a worker runs it: the deferred screening task (claim, screening, finish) and each email
through the outbox (claim, build, send, mark sent; Django's in-memory email backend). Nothing is
published to the broker: the tasks are taken from their after-commit callbacks.

The first BENCH_WARMUP (5) candidates warm the process (templates compiled, catalogues loaded, the
public page cache filled) and are not counted. For each step: median and 90th percentile of the
CPU time of the process (``time.process_time``), median wall time (the difference is mostly
PostgreSQL and Redis), and the queries (median and maximum). ``--sql STEP`` prints the statements of one run of those steps. ``--profile STEP`` (a step's name or a
prefix, repeatable; ``all``) writes a cProfile of those steps, summed over the measured
candidates, to ``var/surge-steps-<step>.prof`` and prints its top functions.

Also: the garbage collector's own CPU time over the measured journeys (``gc.callbacks``: its rare
full collections are pauses that the medians do not show), and the PDF check (``portal.uploads.inspect_upload``) alone on the surge's PDF and on
BENCH_PDFS (real PDFs, paths separated by ``:``; Debian's own documentation PDFs by default).

``--instructions`` runs the same under valgrind's callgrind (about 50 times slower: BENCH_ACCOUNTS=5
is enough) and counts the CPU instructions of the measured journeys, web and worker sides: a count
that the machine's speed and load do not change (0.1 % between runs, where CPU time swings by a
third on these shared machines), to compare two versions of the code.

Last line: ``surge steps: <C> ms CPU and <Q> queries per application on the web side, <W> ms and
<WQ> queries on the worker side``; with ``--instructions``: ``surge steps: <I> million instructions
per application (web and worker sides, <N> candidates, callgrind)``.
"""

import argparse
import collections
import contextlib
import cProfile
import gc
import io
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

BACKGROUND = int(os.environ.get("BENCH_BACKGROUND", "20000"))
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "60"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "5"))
DEFAULT_PDFS = "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf:/usr/share/doc/libtasn1-doc/libtasn1.pdf"
TIME_LIMIT_SECONDS = 1500
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SENT = re.compile(r"/mes-candidatures/([0-9a-f-]{36})/")


class Steps:
    """CPU time, wall time and queries of each named step; optionally profiled."""

    def __init__(self, profile_names, sql_names=()):
        self.cpu, self.wall, self.queries = (collections.defaultdict(list) for _ in range(3))
        self.profile_names, self.sql_names, self.sql = profile_names, sql_names, {}
        self.profiles = {}
        self.measuring = False
        self._queries = 0
        self.collector_ms, self.full_collections, self._collector_started = 0.0, 0, None
        gc.callbacks.append(self._time_collector)

    def _time_collector(self, phase, info):
        """The garbage collector's own CPU time while measuring (rare pauses that medians hide)."""
        if phase == "start":
            self._collector_started = time.process_time()
        elif self.measuring and self._collector_started is not None:
            self.collector_ms += (time.process_time() - self._collector_started) * 1000
            self.full_collections += info["generation"] == 2

    def _count(self, execute, sql, params, many, context):
        self._queries += 1
        if self._statements is not None:
            self._statements.append(sql)
        return execute(sql, params, many, context)

    def _profiled(self, name):
        return self.measuring and _wanted(name, self.profile_names)

    @contextlib.contextmanager
    def step(self, name):
        from django.db import connection

        profile = None
        if self._profiled(name):
            profile = self.profiles.setdefault(name, cProfile.Profile(time.process_time))
        self._queries = 0
        self._statements = [] if self.measuring and name not in self.sql and _wanted(name, self.sql_names) else None
        with connection.execute_wrapper(self._count):
            wall, cpu = time.perf_counter(), time.process_time()
            if profile:
                profile.enable()
            try:
                yield
            finally:
                if profile:
                    profile.disable()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if self._statements is not None:
            self.sql[name] = self._statements
        if self.measuring:
            self.cpu[name].append(cpu * 1000)
            self.wall[name].append(wall * 1000)
            self.queries[name].append(self._queries)


def _wanted(name, wanted):
    return any(prefix == "all" or name.startswith(prefix) for prefix in wanted)


class Journey:
    """One candidate's requests, through Django's test client, as bench/surge_locustfile.py sends them."""

    def __init__(self, steps, client, account, pdf):
        from http.cookies import SimpleCookie

        self.steps, self.client, self.account, self.pdf = steps, client, account, pdf
        # A new phone: no cookies, its own address (login limits count per address).
        client.cookies = SimpleCookie()
        client.defaults["HTTP_X_FORWARDED_FOR"] = account["address"]

    def get(self, path, name):
        with self.steps.step(name):
            response = self.client.get(path, secure=True)
        assert response.status_code == 200, (name, path, response.status_code, response.get("Location"))
        return response.content.decode()

    def post(self, path, name, data, **extra):
        with self.steps.step(name):
            response = self.client.post(path, data, secure=True, HTTP_REFERER=f"https://testserver{path}", **extra)
        assert response.status_code == 302, (name, path, response.status_code, response.content[:2000])
        return response["Location"]

    def run(self):
        account = self.account
        session = f"/sessions/{account['session']}/"
        token = TOKEN.search(self.get("/comptes/login/", "01 login page")).group(1)
        self.post(
            "/comptes/login/",
            "02 login (POST)",
            {"csrfmiddlewaretoken": token, "login": account["email"], "password": account["password"]},
        )
        self.get("/", "03 home")
        self.get("/formations/", "04 catalogue")
        self.get(f"/formations/?open=on&departement={account['departement']}", "05 filtered catalogue")
        page = self.get(session, "06 session page")
        # The profile answers the session's questions: the page's button starts the application.
        apply = f"{session}candidater/"
        step = self.post(apply, "07 apply: start (POST)", {"csrfmiddlewaretoken": TOKEN.search(page).group(1)})
        page = self.get(step, "08 apply: profile")
        # The profile is complete: the step shows it to be checked, and the candidate confirms it.
        step = self.post(
            step, "09 apply: profile (POST)", {"csrfmiddlewaretoken": TOKEN.search(page).group(1), "action": "confirm"}
        )
        page = self.get(step, "10 apply: motivation")
        motivation = "Je veux devenir développeuse web : j'ai appris seule le HTML et je veux en faire mon métier."
        step = self.post(
            step,
            "11 apply: motivation (POST)",
            {"csrfmiddlewaretoken": TOKEN.search(page).group(1), "motivation": motivation},
        )
        page = self.get(step, "12 apply: documents")
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("cv.pdf", self.pdf, content_type="application/pdf")
        step = self.post(
            step,
            "13 apply: documents (POST, PDF)",
            {"csrfmiddlewaretoken": TOKEN.search(page).group(1), "kind": "cv", "action": "continue", "file": upload},
        )
        page = self.get(step, "14 apply: review")
        sent = self.post(step, "15 apply: send", {"csrfmiddlewaretoken": TOKEN.search(page).group(1)})
        assert SENT.search(sent), sent
        self.get(sent, "16 application page")
        page = self.get("/mes-candidatures/", "17 my applications")
        self.post("/comptes/logout/", "18 logout (POST)", {"csrfmiddlewaretoken": TOKEN.search(page).group(1)})


class Broker:
    """Stands for the broker: the after-commit publishes are collected here, and ``work()`` runs
    them as the worker would (claim, run, finish; emails claimed, sent, marked)."""

    def __init__(self):
        self.deferred, self.emails = [], []

    @contextlib.contextmanager
    def installed(self):
        from portal import deferred, outbox

        saved = deferred.publish, outbox.enqueue_sending
        deferred.publish = lambda row, **_kwargs: self.deferred.append(row) or True
        outbox.enqueue_sending = lambda email_id, **_options: self.emails.append(email_id) or True
        try:
            yield self
        finally:
            deferred.publish, outbox.enqueue_sending = saved

    def work(self, steps):
        from portal import deferred, outbox
        from portal.celery import app

        while self.deferred or self.emails:
            while self.deferred:
                row = self.deferred.pop(0)
                task = app.tasks[row.task_name]
                with steps.step(f"worker: {row.task_name.rsplit('.', 1)[-1]}"):
                    assert deferred.claim(row.pk)
                    task.run(*row.args, **row.kwargs)
                    deferred.finish(row.pk)
            while self.emails:
                email_id = self.emails.pop(0)
                with steps.step("worker: send an email"):
                    assert outbox.send_outgoing_email(email_id) == "sent"


def pdf_costs(pdf):
    """CPU time of the PDF check alone, per PDF (median of 5)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal import uploads

    documents = {"the surge's CV": pdf}
    for path in filter(None, os.environ.get("BENCH_PDFS", DEFAULT_PDFS).split(":")):
        if Path(path).exists():
            documents[Path(path).name] = Path(path).read_bytes()
    for name, data in documents.items():
        times = []
        for _ in range(5):
            upload = SimpleUploadedFile("cv.pdf", data, content_type="application/pdf")
            started = time.process_time()
            uploads.inspect_upload(upload, max_size=10_000_000)
            times.append((time.process_time() - started) * 1000)
        print(f"  PDF check, {name} ({len(data) / 1000:.0f} KB): {statistics.median(times):.1f} ms CPU")


def report(steps):
    width = max(len(name) for name in steps.cpu)
    print(f"  {'step':<{width}}  CPU ms p50   p90  wall ms p50  queries p50 max")
    totals = collections.Counter()
    for name in sorted(steps.cpu):
        cpu, wall, queries = steps.cpu[name], steps.wall[name], steps.queries[name]
        per_application = len(cpu) / max(1, len(steps.cpu["15 apply: send"]))
        side = "worker" if name.startswith("worker") else "web"
        totals[f"{side} cpu"] += statistics.median(cpu) * per_application
        totals[f"{side} queries"] += statistics.median(queries) * per_application
        print(
            f"  {name:<{width}}  {statistics.median(cpu):10.1f} {statistics.quantiles(cpu, n=10)[-1]:5.1f}"
            f"  {statistics.median(wall):11.1f}  {statistics.median(queries):11.0f} {max(queries):3d}"
            + (f"  (×{per_application:.0f} per application)" if per_application != 1 else "")
        )
    return totals


def prepare(reuse):
    from bench import surge

    started = time.perf_counter()
    if not reuse:
        common.load_demo(BACKGROUND)
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    accounts, sessions = surge.make_accounts(ACCOUNTS + WARMUP, prefix=f"steps{os.getpid()}-")
    common.analyze()
    print(
        f"data: {BACKGROUND} applications, {len(accounts)} candidate accounts over {len(sessions)} open sessions "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return accounts, surge.sample_pdf()


UNDER_CALLGRIND = "SURGE_STEPS_UNDER_CALLGRIND"


def _collect_instructions(state):
    """Under ``--instructions``, callgrind counts only the measured journeys (and their worker side)."""
    if os.environ.get(UNDER_CALLGRIND):
        import subprocess

        subprocess.run(["callgrind_control", "--instr", state, str(os.getpid())], check=True, capture_output=True)


def count_instructions(arguments):
    """``--instructions``: this script again under valgrind's callgrind, which counts the CPU
    instructions of the measured journeys. The count is the same on a slow or a busy machine
    (about 0.1 % from one run to the next), where CPU time swings by a third: the measure to
    compare two versions of the code on machines that differ between sessions."""
    import subprocess

    (common.ROOT / "var").mkdir(exist_ok=True)
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={common.ROOT / 'var' / 'surge-steps.callgrind'}",
        sys.executable,
        __file__,
        *arguments,
    ]
    result = subprocess.run(command, env={**os.environ, UNDER_CALLGRIND: "1"}, capture_output=True, text=True)
    lines = result.stdout.splitlines()
    if result.returncode:
        sys.exit(f"{result.stdout}\n{result.stderr}\nsurge steps under callgrind: exit status {result.returncode}")
    print("\n".join(lines[:-1]))  # the run's figures, its CPU times slowed down by callgrind
    collected = int(re.search(r"Collected : (\d+)", result.stderr).group(1))
    applications = int(re.search(r"^(\d+) candidates measured", result.stdout, re.MULTILINE).group(1))
    print(
        f"surge steps: {collected / applications / 1e6:.0f} million instructions per application "
        f"(web and worker sides, {applications} candidates, callgrind)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", action="append", default=[], metavar="STEP")
    parser.add_argument("--sql", action="append", default=[], metavar="STEP", help="print the step's statements")
    parser.add_argument("--reuse", action="store_true", help="keep the data of an earlier run")
    parser.add_argument(
        "--instructions", action="store_true", help="count the measured journeys' CPU instructions under callgrind"
    )
    args = parser.parse_args()
    if args.instructions and not os.environ.get(UNDER_CALLGRIND):
        count_instructions([argument for argument in sys.argv[1:] if argument != "--instructions"])
        return
    os.environ.update(common.production_environment(EMAIL_URL="memorymail://", CELERY_TASK_ALWAYS_EAGER="0"))
    common.start("surge_steps", time_limit_seconds=TIME_LIMIT_SECONDS)
    common.collectstatic()
    accounts, pdf = prepare(args.reuse)
    from django.test import Client

    common.reset_redis()
    steps = Steps(args.profile, args.sql)
    # One client for all: its handler loads the middleware once, as a server's worker does.
    client = Client(enforce_csrf_checks=True, HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    with Broker().installed() as broker:
        for number, account in enumerate(accounts):
            if number == WARMUP:
                _collect_instructions("on")
            steps.measuring = number >= WARMUP
            Journey(steps, client, account, pdf).run()
            broker.work(steps)
    _collect_instructions("off")
    print(
        f"{len(accounts) - WARMUP} candidates measured after {WARMUP} for warm-up "
        f"(load average {common.load_average():.1f}; reference loop {common.reference_loop_ms():.0f} ms of CPU):"
    )
    totals = report(steps)
    applications = len(steps.cpu["15 apply: send"])
    measured = sum(sum(cpu) for cpu in steps.cpu.values())
    print(
        f"  garbage collector: {steps.collector_ms / applications:.1f} ms per application, "
        f"{100 * steps.collector_ms / measured:.1f} % of the measured CPU, {steps.full_collections} full collections"
    )
    pdf_costs(pdf)
    for name, statements in sorted(steps.sql.items()):
        print(f"--- statements of {name} ---")
        for statement in statements:
            print(f"  {statement[:300]}")
    (common.ROOT / "var").mkdir(exist_ok=True)
    for name, profile in steps.profiles.items():
        path = common.ROOT / "var" / f"surge-steps-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.prof"
        profile.dump_stats(path)
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(30)
        print(f"--- profile of {name} ({path.name}) ---\n{out.getvalue()}")
    print(
        f"surge steps: {totals['web cpu']:.0f} ms CPU and {totals['web queries']:.0f} queries per application "
        f"on the web side, {totals['worker cpu']:.0f} ms and {totals['worker queries']:.0f} queries on the worker side"
    )


if __name__ == "__main__":
    main()
