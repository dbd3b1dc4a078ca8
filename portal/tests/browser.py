"""Helpers for the Playwright browser tests (see the root conftest for ``require_chromium``).

``assert_accessible(page)`` runs axe-core (bundled in axe-playwright-python, works offline and
under the portal's CSP) on the page as it is and fails on any serious or critical violation.
``login(page, live_server, user)`` opens an authenticated session without going through the login
form (the form itself is tested elsewhere): it copies a Django session cookie into the browser; the
session has passed the second factor of users who have one (portal/tests/auth.py).
"""

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

from portal.tests.auth import PortalClient

BLOCKING_IMPACTS = {"serious", "critical"}


def assert_accessible(page):
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in blocking
    )
    assert not blocking, f"axe found serious/critical violations on {page.url}:\n{report}"


def login(page, live_server, user):
    client = PortalClient()
    client.force_login(user)  # with the second factor of users who have one
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.clear_cookies()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])
