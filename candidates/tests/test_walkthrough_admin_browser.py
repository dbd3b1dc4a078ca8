"""The agent's walk-through rows in a real browser, at phone size and on a desktop, with axe on
every admin page the walk-through checked (row 30: 0 serious or critical violations): the queue
(row 9), an application with a document and its history in words (row 12), a bulk invitation of
one session with its aligned form (rows 11, 38), the dashboard (row 14), the export page and the partners' commitments."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from candidates import services
from candidates.tests.factories import ApplicationDocumentFactory, application_in
from candidates.workflow import Status
from portal.tests.browser import assert_accessible, login
from portal.tests.factories import municipal_staff
from programmes.tests.factories import SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIELDS = ("starts_at", "duration_minutes", "place", "what_to_bring")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_agents_pages_in_a_browser(require_chromium, live_server, page, viewport):
    page.set_viewport_size(viewport)
    agent = municipal_staff()
    session = SessionFactory(name="Paris Code — Développeur web")
    first, second = (application_in(Status.SUBMITTED, session=session) for _ in range(2))
    for application in (first, second):
        services.transition(application, "mark_eligible", actor=None)
    ApplicationDocumentFactory(application=first)
    application_in(Status.REFUSED, session=session)
    login(page, live_server, agent)

    page.goto(live_server.url + reverse("admin:index"))
    page.get_by_role("link", name="Candidatures à examiner").click()
    page.wait_for_url("**a_traiter=tout")
    expect(page.locator("input.action-select")).to_have_count(2)  # the refused one is not work to do
    assert_accessible(page)

    page.goto(live_server.url + reverse("admin:candidates_application_change", args=[first.pk]))
    expect(page.get_by_role("heading", name="Profil du candidat")).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + reverse("admin:candidates_application_history", args=[first.pk]))
    expect(page.get_by_text("Déclarer éligible").first).to_be_visible()
    assert_accessible(page)

    page.goto(live_server.url + reverse("admin:candidates_application_changelist") + "?a_traiter=tout")
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("bulk_invite_to_test")
    page.locator("button[name=index], input[name=index]").first.click()
    expect(page.get_by_role("heading", name="Convoquer aux tests", exact=True)).to_be_visible()
    # The aligned form: every label starts at the same x, every field too (beside the labels on a
    # desktop, under them on a phone), and fits the screen.
    label_xs = {round(box["x"]) for box in (page.locator(f"label[for=id_{n}]").bounding_box() for n in FIELDS)}
    field_boxes = [page.locator(f"#id_{name}").bounding_box() for name in FIELDS]
    assert len(label_xs) == 1 and len({round(box["x"]) for box in field_boxes}) == 1
    assert all(box["x"] + box["width"] <= viewport["width"] for box in field_boxes)
    place_label = page.locator("label[for=id_place]").bounding_box()
    place_field = page.locator("#id_place").bounding_box()
    if viewport is DESKTOP:
        assert abs(place_label["y"] - place_field["y"]) < 12
    else:
        assert place_field["y"] > place_label["y"] + place_label["height"] - 2
    field = page.locator("#id_place")
    assert session.site.postcode in field.input_value()
    assert_accessible(page)

    page.goto(live_server.url + reverse("admin:programme_dashboard") + f"?programme={session.programme_id}")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('families-chart'))")
    # Row 14: long axis labels are drawn on several lines, never cut.
    assert page.evaluate(
        "() => Chart.getChart(document.getElementById('families-chart')).data.labels.every(Array.isArray)"
    )
    assert_accessible(page)

    page.goto(live_server.url + reverse("admin:candidates_application_export"))
    assert_accessible(page)
    page.goto(live_server.url + reverse("admin:partners_charter_figures"))
    assert_accessible(page)
