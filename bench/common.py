"""What every bench script does before measuring: bound the run, create the database if needed,
set Django up, then wipe and fill the database with the demo data."""

import contextlib
import os
import signal
import sys
import time
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

    def __init__(self, name, *, queues, concurrency, env=None):
        self.name, self.queues, self.concurrency, self.env = name, queues, concurrency, env
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
        env = {**(self.env or os.environ), "CELERY_TASK_ALWAYS_EAGER": "0"}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        Service._running.append(self)
        _stop_services_on_exit()
        return self

    def running(self):
        return self.process is not None and self.process.poll() is None

    def pids(self):
        """The worker's main process and its pool processes."""
        return process_tree(self.process.pid)

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
        if self in Service._running:
            Service._running.remove(self)


# --- Serving the portal as in production: processes, ports, load ------------------------------


def process_tree(pid):
    """``pid`` and its descendants (Linux)."""
    found, todo = [], [pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        with contextlib.suppress(OSError):
            todo += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return found


def cpu_seconds(pids):
    """``{pid: CPU seconds (user + system) used so far}`` of the processes ``pids`` still alive
    (Linux)."""
    ticks, used = os.sysconf("SC_CLK_TCK"), {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


def cpu_used(before, after):
    """What each role used between two ``Stack.cpu_sample()`` (seconds); a process that ended
    meanwhile counts for nothing, one that started counts from its start."""
    return {
        role: sum(seconds - before.get(role, {}).get(pid, 0) for pid, seconds in processes.items())
        for role, processes in after.items()
    }


def database_backends():
    """The PostgreSQL server processes serving the bench's database (this process's included)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return [pid for (pid,) in cursor.fetchall()]


def free_port():
    from portal.tests.smtp import free_port as pick

    return pick()


def reference_loop_ms(rounds=5):
    """CPU time of a fixed pure-Python loop (the best of ``rounds``): the machine's speed at the
    moment, printed beside the figures. These shared machines swing by a third within minutes and
    differ between sessions; a figure is compared with another only through this one (or through
    an instruction count, which does not move: bench/surge_steps.py --instructions)."""

    def work():
        total = 0
        for i in range(300_000):
            total += len(str(i)) % 7
        return total

    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best * 1000


def load_average():
    """The machine's 1-minute load average, printed beside every figure taken on a shared machine."""
    return os.getloadavg()[0]


def ensure_debian_packages(**binaries):
    """``ensure_debian_packages(wrk="wrk", nginx="nginx-light")``: apt-get install the packages
    whose command is missing (benches install what they use, as .ci/run does)."""
    import shutil
    import subprocess

    missing = [package for binary, package in binaries.items() if not shutil.which(binary, path=_SBIN_PATH)]
    if missing:
        print(f"installing Debian packages: {', '.join(missing)}", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env, stdout=subprocess.DEVNULL)


_SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def production_environment(**extra):
    """The environment of a production process (DEBUG off, secure cookies, manifest static files)
    behind a proxy on loopback; the bench process shares its secret key, so that sessions it
    creates are valid in the servers."""
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + "s" * 60)
    return {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The bench stands for the proxy: it sends X-Forwarded-Proto (and X-Forwarded-For).
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def collectstatic():
    import subprocess

    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=production_environment(),
        check=True,
    )


def wait_for_port(port, *, timeout=30, process=None):
    import socket
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process {process.args[0]} exited with {process.returncode} before listening")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class Service:
    """A subprocess in its own process group with its log under ``var/``, stopped (the whole group)
    by ``stop()``, at exit, or on SIGTERM/SIGINT: a bench never leaves a server behind."""

    _running = []

    def __init__(self, name, command, *, env=None, port=None, cwd=ROOT):
        self.name, self.command, self.env, self.port, self.cwd = name, command, env, port, cwd
        self.log_path = ROOT / "var" / f"bench-{name}.log"
        self.process = None

    def start(self, *, wait=True):
        import subprocess

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env or os.environ,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        Service._running.append(self)
        _stop_services_on_exit()
        if wait and self.port:
            try:
                wait_for_port(self.port, process=self.process)
            except (RuntimeError, TimeoutError):
                print(self.log_path.read_text()[-3000:], file=sys.stderr)
                self.stop()
                raise
        return self

    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        import subprocess

        if self.running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self in Service._running:
            Service._running.remove(self)


def _stop_all_services(*_args):
    for service in reversed(list(Service._running)):
        service.stop()


_exit_hooks_installed = []


def _stop_services_on_exit():
    if _exit_hooks_installed:
        return
    import atexit

    atexit.register(_stop_all_services)

    def on_signal(signum, _frame):
        _stop_all_services()
        sys.exit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    _exit_hooks_installed.append(True)


def gunicorn(name, app, *, env, workers=2, port=None, extra=()):
    """``gunicorn APP`` on a free loopback port, ``workers`` sync workers, no access log."""
    port = port or free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        app,
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--backlog",
        "2048",
        *extra,
    ]
    return Service(name, command, env=env, port=port)


def wrk(url, *, seconds, connections, headers=()):
    """Requests per second that ``wrk`` gets from ``url`` (Debian's wrk, 2 threads); fails on any
    answer other than 2xx (wrk counts redirects as success: callers check the status first)."""
    import re
    import subprocess

    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "--latency"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors or "Socket errors" in output:
        raise RuntimeError(f"wrk {url}: errors\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def reset_redis():
    """Empty the Redis database that REDIS_URL names: the cache and Celery's queues."""
    from django.core.cache import cache

    cache.clear()


def _private_directory(name):
    """A fresh directory for a server's configuration, readable by the unprivileged users that
    nginx's workers and PgBouncer run as."""
    import atexit
    import shutil

    path = Path("/tmp") / f"portal-bench-{name}-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(mode=0o777)
    path.chmod(0o777)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def pgbouncer(database_url, *, pool_size=20):
    """Debian's PgBouncer in transaction pooling in front of DATABASE_URL's server, on a free port
    (run as ``postgres``: PgBouncer refuses root). Returns the service and the URL to use."""
    parsed = urlparse(database_url)
    port = free_port()
    folder = _private_directory("pgbouncer")
    (folder / "userlist.txt").write_text(f'"{parsed.username}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "\n".join(
            [
                "[databases]",
                f"* = host={parsed.hostname} port={parsed.port or 5432}",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {port}",
                "unix_socket_dir =",
                "auth_type = trust",
                f"auth_file = {folder / 'userlist.txt'}",
                "pool_mode = transaction",
                f"default_pool_size = {pool_size}",
                "max_client_conn = 1000",
                "ignore_startup_parameters = extra_float_digits,options",
                "",
            ]
        )
    )
    binary = next(p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).exists())
    service = Service("pgbouncer", [binary, "-u", "postgres", str(folder / "pgbouncer.ini")], port=port)
    url = parsed._replace(netloc=f"{parsed.username}@127.0.0.1:{port}").geturl()
    return service, url


def nginx(upstream_ports):
    """Debian's nginx on a free loopback port, balancing over the gunicorns on ``upstream_ports``
    with keep-alive, as the README's proxy: sets X-Forwarded-Proto and appends X-Forwarded-For."""
    port = free_port()
    folder = _private_directory("nginx")
    servers = "".join(f"    server 127.0.0.1:{upstream};\n" for upstream in upstream_ports)
    (folder / "nginx.conf").write_text(
        f"""worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  client_max_body_size 10m;
  upstream portal {{
{servers}    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://portal;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
    }}
  }}
}}
"""
    )
    return Service(
        "nginx", ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"], port=port
    )


class Stack:
    """The portal in production settings: per node a gunicorn (``workers`` sync workers) and a Celery
    worker (queues default, screening, mail). With two nodes or more: nginx in front and PgBouncer
    (transaction pooling) between every process and PostgreSQL. ``email_url`` is where emails go."""

    def __init__(self, *, nodes, workers, celery_concurrency, email_url, pooled=None):
        self.nodes, self.workers, self.celery_concurrency, self.email_url = (
            nodes,
            workers,
            celery_concurrency,
            email_url,
        )
        self.pooled = nodes > 1 if pooled is None else pooled
        self.services, self.webs, self.celeries, self.proxy = [], [], [], None

    def start(self):
        database_url = os.environ["DATABASE_URL"]
        if self.pooled:
            bouncer, database_url = pgbouncer(database_url)
            self.services.append(bouncer.start())
        env = production_environment(
            DATABASE_URL=database_url,
            DATABASE_TRANSACTION_POOLING="1" if self.pooled else "0",
            EMAIL_URL=self.email_url,
            # Behind nginx, the load generator stands for the outer proxy (TLS): two trusted hops.
            DJANGO_TRUSTED_PROXY_COUNT="2" if self.nodes > 1 else "1",
        )
        for node in range(1, self.nodes + 1):
            self.webs.append(gunicorn(f"web-{node}", "portal.wsgi", env=env, workers=self.workers).start())
            worker = Worker(
                f"node-{node}", queues=["default", "screening", "mail"], concurrency=self.celery_concurrency, env=env
            )
            self.celeries.append(worker.start())
        if self.nodes > 1:
            self.proxy = nginx([web.port for web in self.webs]).start()
        self.services += self.webs
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{(self.proxy or self.webs[0]).port}"

    def cpu_sample(self):
        """CPU seconds used so far by each of the stack's processes, by role (web, workers, proxy
        and pool, PostgreSQL's backends for this database). Two samples around a run give what the
        run cost (``cpu_used``), whatever else the machine was doing."""
        web = [pid for service in self.webs for pid in process_tree(service.process.pid)]
        workers = [pid for worker in self.celeries for pid in worker.pids()]
        others = [service for service in (self.proxy, *self.services) if service is not None]
        proxy = [pid for service in others if service not in self.webs for pid in process_tree(service.process.pid)]
        return {
            "web": cpu_seconds(web),
            "workers": cpu_seconds(workers),
            "proxy and pool": cpu_seconds(proxy),
            "PostgreSQL": cpu_seconds(database_backends()),
        }

    def describe(self):
        parts = [f"{self.nodes} × (gunicorn {self.workers} workers + celery {self.celery_concurrency} processes)"]
        if self.proxy:
            parts.append("nginx")
        if self.pooled:
            parts.append("PgBouncer (transaction pooling)")
        return ", ".join(parts)

    def stop(self):
        if self.proxy:
            self.proxy.stop()
        for worker in self.celeries:
            worker.stop()
        for service in reversed(self.services):
            service.stop()
