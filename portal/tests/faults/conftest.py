import shutil

import pytest

from conftest import database_url_for, require

from .stack import Stack


@pytest.fixture
def stack(transactional_db, tmp_path, settings, request):
    """The fault suite's processes on the test database (committed data only: the tests are
    transactional). Their logs are printed when a test fails."""
    from django.db import connection

    require(shutil.which("redis-server"), "redis-server not installed (Debian package redis-server)")
    database_url = database_url_for(connection.settings_dict)
    require(
        database_url is not None and connection.vendor == "postgresql",
        "the fault suite needs PostgreSQL: set DATABASE_URL to a PostgreSQL database",
    )
    private_media_root = tmp_path / "private"
    private_media_root.mkdir()
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = private_media_root
    stack = Stack(tmp_path, database_url=database_url, private_media_root=private_media_root)
    settings.SITE_URL = stack.base_url  # the emails' Message-IDs name the site, as the stack's do
    try:
        yield stack.start()
    finally:
        stack.stop()
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            print(stack.logs())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
