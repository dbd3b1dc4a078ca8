"""What every bench script does before measuring: bound the run, create the database if needed,
set Django up, then wipe and fill the database with the demo data."""

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
