"""Fixtures shared by the whole suite.

Browser tests (Playwright on Debian's Chromium) and real-worker tests (Celery on Redis) skip with a
clear reason on a machine without Chromium or Redis, and fail instead in CI (CI=true), where they
must run.
"""

import os
import shutil

import pytest
from hypothesis import settings as hypothesis_settings

pytest_plugins = ["pytester"]  # portal/tests/test_test_setup.py runs this conftest in a sub-session

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop.

# Where Playwright finds Debian's Chromium: CHROMIUM_PATH, else the one on PATH, else /usr/bin/chromium.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def require(condition, reason):
    """Skip the test when ``condition`` is false, except in CI where it is a failure."""
    if condition:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def redis_url():
    return os.environ.get("REDIS_URL", "")


def redis_is_up():
    url = redis_url()
    if not url:
        return False
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


# --- Hypothesis profiles ------------------------------------------------------------------------
# Property tests that name no max_examples follow the profile. The default one draws few examples,
# so that the whole suite stays within CI's budget; HYPOTHESIS_PROFILE=thorough draws many more
# (before a release, or when touching what such a test covers). The examples found failing are
# replayed first on the next run (Hypothesis's example database).
hypothesis_settings.register_profile("quick", max_examples=8)
hypothesis_settings.register_profile("thorough", max_examples=200)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


# --- The fault suite runs only when asked for (pytest -m faults; .ci/run has a step for it) ----


# The probe matrix and the fuzz suite (minutes of requests) likewise: pytest -m "probe or fuzz".
OPT_IN_MARKERS = ("faults", "probe", "fuzz")


def deselect_faults_unless_asked(config, items):
    asked = {marker for marker in OPT_IN_MARKERS if marker in (config.option.markexpr or "")}
    kept = [
        item
        for item in items
        if not any(item.get_closest_marker(marker) for marker in OPT_IN_MARKERS if marker not in asked)
    ]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


# --- CI guard: the browser and real-worker tests must have run -------------------------------
# .ci/run sets PORTAL_REQUIRED_MARKERS="browser worker": the session then fails unless at least
# one test of each marker passed, so a filter, a typo or a collection error cannot quietly drop
# them (and an empty run, pytest's exit code 5, fails with a reason).
_passed_markers = set()


def _required_markers():
    return set(os.environ.get("PORTAL_REQUIRED_MARKERS", "").split())


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        _passed_markers.update(report.keywords.keys() & _required_markers())


def pytest_sessionfinish(session, exitstatus):
    missing = _required_markers() - _passed_markers
    if missing:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_sep(
                "=", f"no passing test marked {', '.join(sorted(missing))}: in CI they must run", red=True
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The portal is French first: the browser asks for French, as the tests read French labels
    # (Chromium would otherwise send its own locale, en-US, and get the English catalogue).
    return {**browser_context_args, "locale": "fr-FR"}


def chromium_is_installed():
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def require_chromium_now():
    require(
        chromium_is_installed(),
        f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)",
    )


@pytest.fixture
def client():
    """Django's test client whose ``force_login`` passes the second factor of users who have one
    (portal/tests/auth.py): staff factories give one, as every staff member must have."""
    from portal.tests.auth import PortalClient

    return PortalClient()


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's superuser client, with the second factor every superuser must have."""
    from portal.tests.auth import PortalClient
    from portal.tests.factories import give_second_factor

    give_second_factor(admin_user)
    client = PortalClient()
    client.force_login(admin_user)
    return client


@pytest.fixture
def require_chromium():
    require_chromium_now()


def pytest_collection_modifyitems(config, items):
    # A test that drives a browser is a browser test, whether or not its module says so.
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
    deselect_faults_unless_asked(config, items)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # pytest-playwright's session-scoped `browser` fixture (behind `page`) launches Chromium before
    # any function-scoped fixture such as `require_chromium` runs: without Chromium, that launch
    # would error. Check first, so that such tests skip with a reason (and fail in CI).
    if "page" in getattr(item, "fixturenames", ()) or item.get_closest_marker("browser"):
        require_chromium_now()


@pytest.fixture
def require_postgresql():
    from django.db import connection

    require(connection.vendor == "postgresql", "needs PostgreSQL row locks: set DATABASE_URL to a PostgreSQL database")


@pytest.fixture
def require_redis():
    require(redis_is_up(), "Redis not reachable: set REDIS_URL to a running Redis")


# --- Guard rails on the ORM (as les emplois de l'inclusion has them) ----------------------------


class SelectForUpdateWithoutOf(AssertionError):
    """A select_for_update() whose query joins tables names none: it would lock every joined row."""


@pytest.fixture(scope="session", autouse=True)
def _select_for_update_names_the_rows_it_locks():
    """select_for_update() on a query that joins tables (select_related, a filter across a
    relation) locks the joined rows too, unless ``of=`` names the tables meant: a test that runs
    such a query fails. Locking a session's programme or an application's candidate by accident is
    how lock waits and deadlocks start."""
    from django.db.models.sql.compiler import SQLCompiler

    original_as_sql, original_from_clause = SQLCompiler.as_sql, SQLCompiler.get_from_clause

    def get_from_clause(self):
        result, params = original_from_clause(self)
        self.guard_from_clause = result  # the base table, then one entry per joined table
        return result, params

    def as_sql(self, *args, **kwargs):
        sql, params = original_as_sql(self, *args, **kwargs)
        query = self.query
        joined = getattr(self, "guard_from_clause", ())
        if query.select_for_update and not query.select_for_update_of and len(joined) > 1:
            raise SelectForUpdateWithoutOf(
                f"select_for_update() on {' '.join(joined)[:300]}: say which rows it locks with of=(...)"
            )
        return sql, params

    SQLCompiler.as_sql, SQLCompiler.get_from_clause = as_sql, get_from_clause
    yield
    SQLCompiler.as_sql, SQLCompiler.get_from_clause = original_as_sql, original_from_clause


@pytest.fixture(scope="session", autouse=True)
def _unordered_querysets_come_in_random_order():
    """A query without any order (no order_by(), no Meta.ordering) gets ORDER BY RANDOM() in tests:
    code or tests that rely on the order the database happens to return rows in fail now, not on
    the day PostgreSQL returns them otherwise (after deletions, a vacuum, a parallel scan).
    Distinct queries are left alone (their ORDER BY must be selected), and so are queries whose
    ordering was cleared on purpose (order_by(), counts, exists)."""
    from django.db.models.sql.compiler import SQLCompiler

    original = SQLCompiler._order_by_pairs

    def _order_by_pairs(self):
        query = self.query
        meta = query.get_meta()
        unordered = (
            query.default_ordering
            and not query.extra_order_by
            and not query.order_by
            and not (meta is not None and meta.ordering)
            and not query.distinct
            and not query.combinator
        )
        if not unordered:
            yield from original(self)
            return
        query.order_by = ("?",)
        try:
            yield from original(self)
        finally:
            query.order_by = ()

    SQLCompiler._order_by_pairs = _order_by_pairs
    yield
    SQLCompiler._order_by_pairs = original


@pytest.fixture(autouse=True)
def _one_door_for_every_act():
    """Every test runs with the side-door guard on (portal.doors): saving or deleting an
    application, an appointment, a session or a rule set outside its service fails the test.
    Test data comes through the door too (the factories of those models open it)."""
    from portal import doors

    with doors.guard():
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: on SQLite a rolled-back test's primary keys are given
    again, so a user, a menu or a page cached by one test would otherwise show in the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test writes uploaded files in its own folder."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT


# --- A real Celery worker ---------------------------------------------------------------------


def database_url_for(settings_dict):
    """A DATABASE_URL naming the database this process uses (the test database inside a test)."""
    from urllib.parse import quote

    engine, name = settings_dict["ENGINE"], settings_dict["NAME"]
    if engine.endswith("sqlite3"):
        if not name or str(name).startswith(":memory:") or "mode=memory" in str(name):
            return None
        return f"sqlite:///{name}"
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{name}"


class CeleryWorker:
    """A ``celery -A portal worker`` subprocess on the test database and REDIS_URL.

    While it runs, the test process's Celery app publishes to Redis instead of running tasks
    eagerly, so ``task.delay_on_commit(pk)`` in the code under test reaches this worker.
    ``publish(task, *args)`` sends one task explicitly."""

    QUEUES = ("default", "screening", "mail")

    def __init__(self, *, broker_url, database_url, log_path, email_dir, extra_env):
        self.broker_url = broker_url
        self.database_url = database_url
        self.log_path = log_path
        self.email_dir = email_dir
        self.extra_env = extra_env
        self.process = None

    @property
    def pid(self):
        return self.process.pid

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def env(self):
        from django.conf import settings

        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.broker_url,
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_URL": f"filemail://{self.email_dir}",
            "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
            "SITE_URL": settings.SITE_URL,
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def purge_queues(self):
        from portal.celery import app

        with app.connection_for_write(self.broker_url) as connection:
            channel = connection.default_channel
            for queue in self.QUEUES:
                channel.queue_purge(queue)

    def start(self, timeout=40):
        import subprocess
        import sys
        import time
        from pathlib import Path

        celery = Path(sys.executable).with_name("celery")
        command = [str(celery), "-A", "portal", "worker", "-l", "info", "--concurrency", "1"]
        command += ["-Q", ",".join(self.QUEUES), "--without-gossip", "--without-mingle", "--without-heartbeat"]
        command += ["-n", f"pytest-{os.getpid()}@%h"]
        self.purge_queues()
        with open(self.log_path, "wb") as log:
            # Its own process group, so that stop() also ends the prefork child it spawns.
            self.process = subprocess.Popen(
                command,
                cwd=Path(__file__).parent,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"the Celery worker did not become ready; its log:\n{self.log()[-4000:]}", pytrace=False)

    def stop(self):
        import signal
        import subprocess

        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # warm shutdown: finish the current task
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def publish(self, task, *args, **kwargs):
        """Send ``task`` with these arguments to the worker through Redis."""
        from portal.celery import app

        with app.connection_for_write(self.broker_url) as connection:
            return task.apply_async(args, kwargs, connection=connection)

    def wait_until(self, predicate, *, timeout=20, interval=0.1, message="the worker did not do it"):
        """Poll ``predicate()`` until it is true; fail with the worker's log after ``timeout`` s."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(interval)
        pytest.fail(f"{message} within {timeout} s; worker log:\n{self.log()[-4000:]}", pytrace=False)


@pytest.fixture
def celery_worker_env():
    """Extra environment for the worker subprocess (override it, e.g. to set EMAIL_URL)."""
    return {}


@pytest.fixture
def celery_worker_process(transactional_db, celery_worker_env, tmp_path):
    """A real Celery worker consuming the default, screening and mail queues from REDIS_URL and
    writing to the test database. Use it in ``@pytest.mark.django_db(transaction=True)`` tests
    (the worker only sees committed rows); stopped by its PID at the end of the test."""
    from django.db import connection

    from portal.celery import app

    require(redis_is_up(), "Redis not reachable: set REDIS_URL to a running Redis")
    database_url = database_url_for(connection.settings_dict)
    require(
        database_url is not None,
        "the real worker needs a database another process can open: set DATABASE_URL to PostgreSQL",
    )
    email_dir = tmp_path / "worker-emails"
    email_dir.mkdir()
    worker = CeleryWorker(
        broker_url=redis_url(),
        database_url=database_url,
        log_path=tmp_path / "celery-worker.log",
        email_dir=email_dir,
        extra_env=celery_worker_env,
    )
    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    try:
        worker.start()
        _use_broker(app, task_always_eager=False, broker_url=worker.broker_url)
        yield worker
    finally:
        try:
            _use_broker(app, **saved)
        finally:
            worker.stop()


@pytest.fixture
def broker_down():
    """The test process publishes to a Redis that is not there (a closed port), as during an
    outage; ``portal.celery.app.conf.task_always_eager = True`` inside the test brings it "back"
    (tasks then run in the test process)."""
    from portal.celery import app
    from portal.tests.smtp import free_port

    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    _use_broker(app, task_always_eager=False, broker_url=f"redis://127.0.0.1:{free_port()}/0")
    yield
    _use_broker(app, **saved)


def _use_broker(app, **conf):
    """Point the app's producer pool at another broker (Celery caches it on first use)."""
    import kombu.pools

    for key, value in conf.items():
        setattr(app.conf, key, value)
    # Only drop the references: the pools live in kombu's process-wide registry, and closing one
    # there would break every later user of that broker URL ("Acquire on closed pool").
    app._pool = None
    app.amqp._producer_pool = None
    # kombu also keeps producer pools in a process-wide registry keyed by broker URL: without a
    # reset, a second worker test on the same URL would get the pool closed above.
    kombu.pools.reset()
