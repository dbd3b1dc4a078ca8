import datetime

import pytest
from django.utils import timezone

from partners.models import Interest
from partners.tests.factories import CommitmentFactory, enrolled_trainee, partner_member
from portal.tests.browser import assert_accessible, login
from programmes.tests.factories import SessionFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_discovery_day_from_publication_to_delivered(require_chromium, live_server, page):
    """A partner publishes a discovery day for a session, an enrolled trainee says they are
    interested, the partner takes them, and the public charter page shows one delivered."""
    session = SessionFactory(name="Développeur web — promotion 8")
    commitment = CommitmentFactory(
        kind="discovery_day", quantity_promised=3, signature__company__name="Microsoft France"
    )
    member = partner_member(company=commitment.signature.company)
    trainee = enrolled_trainee(session)
    trainee.first_name, trainee.last_name = "Awa", "Diallo"
    trainee.save()
    start = timezone.localdate() + datetime.timedelta(days=20)

    # The partner publishes the discovery day.
    login(page, live_server, member)
    page.goto(f"{live_server.url}/espace-partenaire/")
    assert_accessible(page)
    page.get_by_role("link", name="Publier une opportunité").click()
    page.select_option("#id_kind", "discovery_day")
    page.fill("#id_title", "Journée découverte au campus Microsoft")
    page.fill("#id_starts_on", start.isoformat())
    page.fill("#id_ends_on", start.isoformat())
    page.fill("#id_places", "5")
    page.fill("#id_location", "39 quai du Président Roosevelt, Issy-les-Moulineaux")
    page.fill("#id_apply_by", (start - datetime.timedelta(days=7)).isoformat())
    page.get_by_label(session.name, exact=False).check()
    page.select_option("#id_commitment", str(commitment.pk))
    assert_accessible(page)
    page.get_by_role("button", name="Publier").click()
    page.get_by_role("heading", name="Journée découverte au campus Microsoft").wait_for()
    assert_accessible(page)
    opportunity_url = page.url

    # The enrolled trainee sees it and says they are interested, sharing their name.
    login(page, live_server, trainee)
    page.goto(f"{live_server.url}/opportunites/")
    assert_accessible(page)
    page.get_by_role("link", name="Journée découverte au campus Microsoft").click()
    page.get_by_label("Message à l'entreprise (facultatif)").fill("Je suis disponible ce jour-là.")
    page.get_by_label("partager mon nom", exact=False).check()
    assert_accessible(page)
    page.get_by_role("button", name="Je suis intéressé·e").click()
    page.get_by_text("Votre intérêt est transmis").first.wait_for()
    assert_accessible(page)

    # The partner takes the trainee.
    login(page, live_server, member)
    page.goto(opportunity_url)
    page.get_by_role("heading", name="Awa Diallo").wait_for()
    page.get_by_role("button", name="Marquer comme retenu·e").click()
    page.get_by_text("La personne est marquée comme retenue.").wait_for()
    assert_accessible(page)
    assert Interest.objects.get().status == Interest.Status.TAKEN

    # The public charter page shows one delivered, without the trainee's name.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{commitment.signature.charter.get_absolute_url()}")
    row = page.locator(f'tr[data-commitment="{commitment.pk}"]')
    assert row.locator("[data-delivered]").inner_text().strip() == "1"
    assert "Diallo" not in page.content()
    assert_accessible(page)
