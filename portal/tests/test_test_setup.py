"""The test suite itself, as a newcomer meets it: ``make test`` on a machine without Chromium
skips the browser tests with a reason instead of erroring, and CI (CI=true) fails on them."""

from pathlib import Path

import pytest

ROOT_CONFTEST = Path(__file__).resolve().parents[2] / "conftest.py"

BROWSER_TESTS = """
import pytest

def test_with_the_page_fixture_only(page):
    page.goto("about:blank")

def test_with_require_chromium_after_page(page, require_chromium):
    page.goto("about:blank")

@pytest.mark.browser
def test_marked_browser_without_page():
    pass
"""


@pytest.fixture
def sub_session(pytester, monkeypatch):
    """A pytest run of three browser tests with the portal's root conftest, Chromium missing."""
    pytester.makeconftest(ROOT_CONFTEST.read_text())
    pytester.makeini("[pytest]\nmarkers =\n    browser: drives headless Chromium\n    worker: real worker\n")
    pytester.makepyfile(test_browser_tests=BROWSER_TESTS)
    monkeypatch.setenv("CHROMIUM_PATH", str(pytester.path / "no-chromium-here"))
    for name in ("CI", "PORTAL_REQUIRED_MARKERS", "DJANGO_SETTINGS_MODULE", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    return pytester


def test_browser_tests_skip_with_a_reason_without_chromium(sub_session):
    result = sub_session.runpytest_subprocess("-rs", "-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(["*Chromium not found at*no-chromium-here*"])
    assert "Error" not in result.stdout.str()


def test_browser_tests_fail_in_ci_without_chromium(sub_session, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = sub_session.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(["*required in CI: Chromium not found*"])
