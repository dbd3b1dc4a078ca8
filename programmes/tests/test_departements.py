"""Walk-through row 35: départements by their names, in the catalogue's filter and the session's
conditions (« Seine-Saint-Denis (93) », not « 93 »)."""

import pytest
from django.urls import reverse

from programmes.departements import departement_label
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_labels_name_every_kind_of_departement():
    assert departement_label("93") == "Seine-Saint-Denis (93)"
    assert departement_label("2a") == "Corse-du-Sud (2A)"
    assert departement_label("974") == "La Réunion (974)"
    assert departement_label("99") == "99"  # unknown: shown as it is


def test_the_catalogue_filter_and_the_conditions_name_the_departements(client):
    session = SessionFactory(site__departement="93", site__commune="Pantin")
    EligibilityRuleSetFactory(programme=session.programme, allowed_departements=["75", "93"])

    catalogue = client.get(reverse("programmes:catalogue")).content.decode()
    assert '<option value="93">Seine-Saint-Denis (93)</option>' in catalogue

    page = client.get(session.get_absolute_url()).content.decode()
    assert "Habiter : Paris (75), Seine-Saint-Denis (93)." in page
