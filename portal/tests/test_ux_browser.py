"""What every page shares, in a real browser at phone size: a keyboard focus that can be seen
(WCAG 2.4.7, at least 3:1 against what surrounds it), and the error pages (axe, DEBUG off)."""

import re

import pytest
from playwright.sync_api import expect

from portal.tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def _channels(css_color):
    values = [float(v) for v in re.findall(r"[\d.]+", css_color)[:3]]
    return values


def _luminance(rgb):
    def linear(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(color_a, color_b):
    la, lb = sorted((_luminance(_channels(color_a)), _luminance(_channels(color_b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  // The ring is drawn outside the element (outline-offset): what surrounds it is the parent's
  // background, except for the skip link, which floats over the header.
  let node = el.classList.contains("skip-link") ? document.querySelector("header nav") : el.parentElement;
  let background = "rgba(0, 0, 0, 0)";
  while (node && node !== document.documentElement) {
    const bg = getComputedStyle(node).backgroundColor;
    if (bg && !bg.startsWith("rgba(") && bg !== "transparent") { background = bg; break; }
    node = node.parentElement;
  }
  if (background === "rgba(0, 0, 0, 0)") background = getComputedStyle(document.body).backgroundColor;
  return {tag: el.tagName, text: el.textContent.trim(), inHeader: !!el.closest("header"),
          outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
          outlineColor: style.outlineColor, background: background};
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_keyboard_focus_is_clearly_visible_in_the_header_and_the_page(require_chromium, live_server, page, viewport):
    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/formations/")
    seen_header = seen_main = False
    for _press in range(25):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_STYLE)
        if focus["tag"] == "BODY":
            continue
        assert focus["outlineStyle"] == "solid", focus
        assert focus["outlineWidth"] >= 3, focus
        assert contrast(focus["outlineColor"], focus["background"]) >= 3, focus
        seen_header |= focus["inHeader"]
        seen_main |= not focus["inHeader"]
    assert seen_header and seen_main


def test_error_page_at_phone_size_is_accessible(require_chromium, live_server, page, settings):
    settings.DEBUG = False
    page.set_viewport_size(PHONE)
    response = page.goto(live_server.url + "/sessions/999999/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1, name="Page introuvable")).to_be_visible()
    expect(page.get_by_role("link", name="Toutes les formations")).to_be_visible()
    assert_accessible(page)
