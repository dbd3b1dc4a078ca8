"""Inside an app, a service enqueues the task that wraps a service above it: the tasks module and
the modules it wraps import each other as modules (``from . import tasks``), read at call time
(docs/architecture.md, .importlinter). Such a cycle works whichever module a process imports
first — as long as nobody imports a name from a module of the cycle. Each is imported first here,
in a fresh interpreter."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

# The modules of the cycles (the tasks modules and what enqueues them), each one interpreter.
CYCLE = [
    "candidates.services",
    "candidates.seats",
    "candidates.screening",
    "candidates.tasks",
    "candidates.advisers.attestations",
    "portal.outbox",
]


def test_each_module_of_a_task_cycle_imports_first():
    code = "import django, importlib, sys; django.setup(); importlib.import_module(sys.argv[1])"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.test_settings"}
    processes = {
        module: subprocess.Popen(
            [sys.executable, "-c", code, module],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for module in CYCLE
    }
    failures = {}
    for module, process in processes.items():
        _out, err = process.communicate(timeout=120)
        if process.returncode:
            failures[module] = err.strip().splitlines()[-1:]
    if failures:
        pytest.fail(f"modules that cannot be imported first: {failures}")
