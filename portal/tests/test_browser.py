"""The home page in a real browser: the demo programmes, the language switch, and axe."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from portal.tests.browser import assert_accessible

pytestmark = pytest.mark.browser

MOBILE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture
def browser_context_args(browser_context_args):
    """A French-speaking visitor, as most candidates are."""
    return {**browser_context_args, "locale": "fr-FR"}


@pytest.fixture
def demo_data(transactional_db):
    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize("viewport", [None, MOBILE_VIEWPORT], ids=["desktop", "mobile"])
def test_home_lists_programmes_switches_language_and_is_accessible(
    require_chromium, demo_data, live_server, page, viewport
):
    if viewport:
        page.set_viewport_size(viewport)
    page.goto(live_server.url + "/")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=2, name="Paris Code")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Écoles du Web dans les quartiers")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Ma 6T Va Coder Pantin"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=2, name="Paris Code")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="English")).to_be_visible()
