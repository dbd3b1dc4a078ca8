"""The review pages in a real browser: an agent opens an application, invites the candidate to the
tests through the decision page, then reads the dashboard, whose charts draw under the CSP; axe
finds no serious or critical violation on the portal's own admin pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.tests.factories import application_in
from candidates.workflow import Status
from portal.tests.browser import assert_accessible, login
from portal.tests.factories import municipal_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_invites_from_the_application_page_and_reads_the_dashboard(require_chromium, live_server, page):
    application = application_in(Status.ELIGIBLE, is_woman=True)
    application_in(Status.ENROLLED, session=application.session)
    login(page, live_server, municipal_staff())
    csp_errors = []
    page.on("console", lambda message: "Content Security Policy" in message.text and csp_errors.append(message.text))

    page.goto(live_server.url + reverse("admin:candidates_application_change", args=[application.pk]))
    page.get_by_role("link", name="Convoquer aux tests").click()
    assert_accessible(page)
    when = (timezone.localtime() + datetime.timedelta(days=6)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Date et heure").fill(when)
    page.get_by_label("Lieu").fill("LePoleS, 4 rue de la Caravelle")
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url("**/change/")
    application.refresh_from_db()
    assert application.status == Status.INVITED_TO_TEST

    page.goto(live_server.url + reverse("admin:programme_dashboard"))
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('audiences-chart'))")
    assert (
        page.evaluate("() => Chart.getChart(document.getElementById('families-chart')).data.datasets[0].data[0]") == 100
    )
    assert_accessible(page)
    assert csp_errors == []
