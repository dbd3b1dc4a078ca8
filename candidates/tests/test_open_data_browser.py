"""The public statistics page in a browser: charts drawn from the published figures, every chart
followed by its table, on a phone, checked with axe."""

import pytest

from candidates.reporting import open_data
from candidates.tests.factories import application_in
from candidates.workflow import Status
from portal.tests.browser import assert_accessible
from programmes.tests.factories import ProgrammeFactory, SessionFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_statistics_page_on_a_phone(require_chromium, live_server, page):
    session = SessionFactory(programme=ProgrammeFactory(slug="paris-code", name="Paris Code", season="Saison 2"))
    for n in range(24):
        application_in(Status.ELIGIBLE if n % 2 else Status.SUBMITTED, session=session, is_woman=n < 12)
    open_data.publish()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Chiffres des programmes et données ouvertes").click()
    page.get_by_role("heading", name="Chiffres des programmes").wait_for()
    page.get_by_label("Programme et saison", exact=True).select_option(label="Paris Code — Saison 2")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**programme=paris-code")
    # Chart.js drew on every canvas (a drawn canvas has a chart attached).
    for chart in ("funnel-chart", "families-chart", "audiences-chart", "departements-chart"):
        page.wait_for_function(f"() => window.Chart && window.Chart.getChart('{chart}') !== undefined")
    table = page.get_by_role("table", name="Publics prioritaires")
    assert "Femmes" in table.inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Télécharger les données (CSV, JSON)").click()
    page.get_by_role("heading", name="Données ouvertes").wait_for()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="paris-code.csv").click(modifiers=["Alt"])
    assert download.value.suggested_filename == "paris-code.csv"
