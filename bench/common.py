"""What every bench script does before measuring: bound the run, create the database if needed,
set Django up, then wipe and fill the database with the demo data."""

import contextlib
import os
import signal
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


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


def start(script, *, time_limit_seconds):
    """Check DATABASE_URL names PostgreSQL, bound the whole run, create the database, set Django
    up (test client host allowed)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(f"bench/{script}.py needs DATABASE_URL=postgres://… naming a database it may wipe.")
    signal.alarm(time_limit_seconds)
    ensure_database(url)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def load_demo(candidates):
    """Wipe the database (migrate + flush) and load the demo with ``candidates`` applications."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    with open(os.devnull, "w") as devnull:
        call_command("load_demo", candidates=candidates, verbosity=0, stdout=devnull)


def analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


class Worker:
    """A ``celery -A portal worker`` subprocess (prefork) on some queues, in its own process group,
    its log under ``var/``. ``peak_rss_mb()`` is the largest peak resident size (VmHWM) among the
    worker's processes, read while they run."""

    def __init__(self, name, *, queues, concurrency):
        self.name, self.queues, self.concurrency = name, queues, concurrency
        self.log_path = ROOT / "var" / f"bench-{name}-worker.log"
        self.process = None
        self._peaks = {}

    def start(self):
        import subprocess

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        celery = Path(sys.executable).with_name("celery")
        command = [
            str(celery),
            "-A",
            "portal",
            "worker",
            "-l",
            os.environ.get("BENCH_LOG_LEVEL", "warning"),
            "-Q",
            ",".join(self.queues),
            "--concurrency",
            str(self.concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench-{self.name}-{os.getpid()}@%h",
        ]
        env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0"}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def running(self):
        return self.process is not None and self.process.poll() is None

    def pids(self):
        """The worker's main process and its pool processes."""
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            with contextlib.suppress(OSError):
                todo += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        return found

    def sample_memory(self):
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    self._peaks[pid] = max(self._peaks.get(pid, 0), int(line.split()[1]) / 1024)
        return self._peaks

    def peak_rss_mb(self):
        return max(self.sample_memory().values(), default=0)

    def stop(self):
        import signal
        import subprocess

        if self.running():
            self.sample_memory()
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
