"""« Facile à lire et à comprendre » in a browser, on a phone: the switch at the top of every page,
the guide where every criterion and every status has its FALC text, a candidate's application and
a session's conditions in FALC, each page checked with axe."""

import pytest
from django.urls import reverse

from candidates import presentation
from candidates.tests.factories import application_in, candidate
from candidates.workflow import Status
from portal.tests.browser import assert_accessible, login
from programmes import eligibility
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_criterion_and_status_in_falc_on_a_phone(require_chromium, live_server, page):
    session = SessionFactory(name="Développeur web — Pantin")
    EligibilityRuleSetFactory(programme=session.programme, min_age=18, max_qualification_level=4)
    page.set_viewport_size({"width": 390, "height": 844})

    # An anonymous visitor: the switch, then the guide, remembered from page to page.
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Facile à lire").click()
    page.get_by_role("button", name="Texte habituel").wait_for()
    page.get_by_role("link", name="Facile à lire : comprendre votre candidature").click()
    page.get_by_role("heading", name="Facile à lire : comprendre votre candidature").wait_for()
    for code in eligibility.CRITERIA:
        text = page.locator(f'[data-criterion="{code}"]').inner_text().strip()
        assert text, f"no FALC text for the criterion {code}"
        assert len(text.split()) < 40
    for status in Status:
        text = page.locator(f'[data-status="{status.value}"]').inner_text().strip()
        assert text == str(presentation.EASY_READ_NEXT_STEPS[status]), status
        label = page.locator(f"#status-{status.value}").inner_text().strip()
        assert label == str(presentation.EASY_READ_STATUS_LABELS[status]), status
    assert_accessible(page)

    page.goto(f"{live_server.url}{reverse('programmes:session_detail', args=[session.pk])}")
    page.get_by_text("Vous avez 18 ans ou plus au début de la formation.").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Texte habituel").click()
    page.get_by_text("Avoir au moins 18 ans au début de la formation.").wait_for()

    # A candidate who prefers FALC reads their application's status in FALC.
    user = candidate(user__prefers_easy_read=True)
    application = application_in(Status.SEAT_OFFERED, candidate=user, session=session)
    login(page, live_server, user)
    page.goto(f"{live_server.url}{reverse('candidates:application_detail', args=[application.reference])}")
    page.get_by_text(str(presentation.EASY_READ_STATUS_LABELS[Status.SEAT_OFFERED])).first.wait_for()
    page.get_by_text(str(presentation.EASY_READ_NEXT_STEPS[Status.SEAT_OFFERED])).first.wait_for()
    assert_accessible(page)
