import io

import pytest
from django.core.management import call_command

from partners import demo as partners_demo
from partners.models import Interest, Opportunity
from partners.services import commitment_figures
from portal.models import User

pytestmark = pytest.mark.django_db


def test_load_demo_adds_opportunities_and_interests_idempotently():
    call_command("load_demo", stdout=io.StringIO())
    counts = (Opportunity.objects.count(), Interest.objects.count(), Interest.objects.taken().count())
    call_command("load_demo", stdout=io.StringIO())

    assert (Opportunity.objects.count(), Interest.objects.count(), Interest.objects.taken().count()) == counts
    assert counts == (len(partners_demo.OPPORTUNITIES), 6, 3)
    assert set(Opportunity.objects.values_list("company__slug", flat=True)) == {
        "microsoft-france",
        "orange",
        "capgemini",
        "cisco-france",
        "sopra-steria",
    }
    figures = commitment_figures()
    assert figures["delivered"] == 3
    by_company = {row["company"]: row["delivered"] for row in figures["by_company"]}
    assert by_company["Microsoft France"] == 2 and by_company["Capgemini"] == 1
    trainee = User.objects.get(email=partners_demo.TRAINEE_EMAIL)
    assert Opportunity.objects.for_candidate(trainee).filter(title__startswith="Journée découverte").exists()
