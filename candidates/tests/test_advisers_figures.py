"""Figures per orienting organisation and kind: the programme dashboard and the application
export's columns (the France Travail report per agency is candidates.reporting.funders')."""

import pytest
from django.urls import reverse

from candidates import exports
from candidates.models import Application
from candidates.tests.factories import AdviserOrganisationFactory, application_in, oriented_application
from candidates.workflow import Status
from programmes.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    session = SessionFactory(programme__name="Paris Code")
    agency = AdviserOrganisationFactory(name="France Travail Paris 20e Belleville", kind="france_travail", code="75120")
    mission = AdviserOrganisationFactory(name="Mission locale de Pantin", kind="mission_locale")
    oriented_application(Status.ENROLLED, organisation=agency, session=session)
    oriented_application(Status.ELIGIBLE, organisation=agency, session=session)
    oriented_application(Status.SUBMITTED, organisation=mission, session=session)
    oriented_application(Status.AWAITING_CONFIRMATION, organisation=mission, session=session)  # not sent: not counted
    application_in(Status.ENROLLED, session=session)  # nobody oriented it
    return session


def test_the_dashboard_counts_per_organisation_and_kind(staff_client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        response = staff_client.get(reverse("admin:programme_dashboard"))
    organisations = {
        row.label: (row.kind_label, row.applications, row.enrolled)
        for row in response.context["orienting_organisations"]
    }
    assert organisations == {
        "France Travail Paris 20e Belleville": ("France Travail", 2, 1),
        "Mission locale de Pantin": ("Mission locale", 1, 0),
    }
    kinds = [(row.label, row.applications, row.enrolled) for row in response.context["orienting_kinds"]]
    assert kinds == [
        ("France Travail", 2, 1),
        ("Mission locale", 1, 0),
        ("Sans orientation (candidature directe)", 1, 1),
    ]
    assert "Par organisation d'orientation" in response.content.decode()


def test_the_export_names_who_oriented_each_application(world):
    dataset = exports.build_dataset(
        Application.objects.submitted().order_by("pk"), exports.columns_for(None, include_personal_data=False)
    )
    assert "Orientée par" in dataset.headers and "Type d'organisation d'orientation" in dataset.headers
    pairs = {(row["Orientée par"], row["Type d'organisation d'orientation"]) for row in dataset.dict}
    assert pairs == {
        ("France Travail Paris 20e Belleville", "France Travail"),
        ("Mission locale de Pantin", "Mission locale"),
        ("", ""),
    }
