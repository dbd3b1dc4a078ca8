"""The fault suite's own processes: a Redis server on a free port, an SMTP sink, and gunicorn,
a Celery worker and Celery beat on them and on the test database, each of which a test can stop,
kill (``kill -9``) and start again. Sweeps run every second and time out in seconds (environment
below) so that recovery is observed within a test, not in minutes."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from portal.tests.redis_server import RedisServer, free_port
from portal.tests.smtp import SmtpSink

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent

# Recovery within seconds: what the sweeps wait for, in the spirit of the production defaults.
FAST_RECOVERY = {
    "PORTAL_SWEEP_SECONDS": "1",
    "DEFERRED_TASK_GRACE": "2",
    "DEFERRED_TASK_LEASE": "6",
    "OUTBOX_QUEUED_GRACE": "2",
    "OUTBOX_SENDING_TIMEOUT": "6",
    "OUTBOX_RETRY_DELAYS": "1,1,1,1,1,1,1,1",
    "CELERY_VISIBILITY_TIMEOUT": "30",
}


class Process:
    """One subprocess in its own process group, logging to a file; ``ready`` is a predicate on
    its log (or on anything) that ``start`` waits for."""

    def __init__(self, name, command, *, env, log_path, ready):
        self.name = name
        self.command = command
        self.env = env
        self.log_path = log_path
        self.ready = ready
        self.process = None
        self.starts = 0

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self, timeout=60):
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n==== start {self.starts} ====\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready(self):
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not start; its log:\n{self.log()[-4000:]}")

    def stop(self, timeout=20):
        if not self.running:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self):
        """``kill -9`` of the whole process group (a worker's main process and its pool child)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


class Stack:
    """web + worker + beat on their own Redis and SMTP sink, against ``database_url``."""

    def __init__(self, directory, *, database_url, private_media_root):
        self.directory = Path(directory)
        self.redis = RedisServer(self.directory)
        self.smtp = SmtpSink()
        self.web_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": database_url,
            "REDIS_URL": self.redis.url,
            "CELERY_BROKER_URL": self.redis.url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp.port}",
            "PRIVATE_MEDIA_ROOT": str(private_media_root),
            "SITE_URL": self.base_url,
            "PYTHONUNBUFFERED": "1",
            **FAST_RECOVERY,
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.env = env
        celery = [str(BIN / "celery"), "-A", "portal"]
        self.web = Process(
            "gunicorn",
            [str(BIN / "gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{self.web_port}", "--workers", "2"],
            env=env,
            log_path=self.directory / "web.log",
            ready=lambda process: _answers(f"{self.base_url}/robots.txt"),
        )
        self.worker = Process(
            "worker",
            [*celery, "worker", "-l", "info", "--concurrency", "1", "-Q", "default,screening,mail"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"faults-{os.getpid()}@%h"],
            env=env,
            log_path=self.directory / "worker.log",
            ready=lambda process: process.log().count(" ready.") >= process.starts,
        )
        self.beat = Process(
            "beat",
            [*celery, "beat", "-l", "info", "-s", str(self.directory / "beat-schedule"), "--pidfile="],
            env=env,
            log_path=self.directory / "beat.log",
            ready=lambda process: "beat: Starting" in process.log(),
        )

    def start(self):
        self.redis.start()
        self.smtp.start()
        for process in (self.web, self.worker, self.beat):
            process.start()
        return self

    def stop(self):
        for process in (self.beat, self.worker, self.web):
            process.stop()
        self.smtp.stop()
        self.redis.stop()

    def restart_redis(self):
        """A new, empty Redis on the same port (what the probe's outage did)."""
        self.redis.start()

    def wait_until(self, predicate, *, timeout=120, message="it did not happen"):
        """Poll ``predicate()`` until true; fail with the processes' logs after ``timeout`` s."""
        import pytest

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.25)
        pytest.fail(f"{message} within {timeout} s\n{self.logs()}", pytrace=False)

    def server_errors(self):
        """Tracebacks logged by the web processes (a 500 logs "Internal Server Error")."""
        return self.web.log().count("Internal Server Error")

    def logs(self):
        return "\n".join(f"---- {p.name}\n{p.log()[-3000:]}" for p in (self.web, self.worker, self.beat))


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 — a loopback test server
            return response.status == 200
    except Exception:
        return False
