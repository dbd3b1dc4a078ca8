"""load_demo bench: how long ``load_demo --candidates 100000`` takes (users, profiles, applications).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load_demo .venv/bin/python bench/load_demo.py

The database named by DATABASE_URL is created if missing, then WIPED (migrate + flush) and given the
demo data; the timed run is a separate ``manage.py load_demo --candidates N`` process, as a user
would type it. The last line is ``load_demo: <N> applications in <X> s`` (target: under 60 s).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ensure_database  # noqa: E402

CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "100000"))
TIME_LIMIT_SECONDS = 300


def manage(*args, timeout=TIME_LIMIT_SECONDS):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, check=True, timeout=timeout, stdout=subprocess.DEVNULL
    )


def main():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database this bench may wipe.")
    ensure_database(url)
    manage("migrate", "--noinput", "-v0")
    manage("flush", "--noinput", "-v0")
    manage("load_demo", "-v0")
    started = time.monotonic()
    manage("load_demo", "--candidates", str(CANDIDATES))
    elapsed = time.monotonic() - started
    print(f"load_demo: {CANDIDATES} applications in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
