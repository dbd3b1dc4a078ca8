"""Walk-through row 37 in a real browser at phone size: a partner's form with an error on the
sessions keeps the session labels readable (the error message says it, not eighteen red labels),
axe finds nothing serious."""

import pytest
from django.urls import reverse

from partners.tests.factories import CommitmentFactory, partner_member
from portal.tests.browser import assert_accessible, login
from programmes.tests.factories import SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_error_on_the_sessions_leaves_their_labels_readable(require_chromium, live_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    sessions = SessionFactory.create_batch(3)
    member = partner_member(company=CommitmentFactory(kind="discovery_day").signature.company)
    login(page, live_server, member)

    page.goto(live_server.url + reverse("partners:opportunity_create"))
    page.get_by_role("button", name="Publier").click()
    page.get_by_text("Choisissez au moins une session ou un métier.").first.wait_for()
    label = page.get_by_text(sessions[0].name, exact=False).first
    body = page.evaluate("() => getComputedStyle(document.body).color")
    assert label.evaluate("el => getComputedStyle(el).color") == body
    assert_accessible(page)
