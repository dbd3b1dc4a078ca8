"""Fixtures shared by the whole suite.

Browser tests (Playwright on Debian's Chromium) and real-worker tests (Celery on Redis) skip with a
clear reason on a machine without Chromium or Redis, and fail instead in CI (CI=true), where they
must run.
"""

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop.

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


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


@pytest.fixture
def require_chromium():
    require(os.path.exists(CHROMIUM) or shutil.which("chromium"), f"Chromium not found at {CHROMIUM}")


@pytest.fixture
def require_redis():
    require(redis_is_up(), "Redis not reachable: set REDIS_URL to a running Redis")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test writes uploaded files in its own folder."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT
