"""Orienting organisations in the admin: habilitation decided by municipal staff only, « orientée
par » in the applications list (column and filters, bounded queries) and on the application page,
with the advisers' attestations."""

import datetime

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse
from django.utils import timezone

from candidates.advisers import attestations
from candidates.models import AdviserOrganisation, CriterionVerification, OrganisationKind
from candidates.tests.factories import (
    AdviserOrganisationFactory,
    SupportFactory,
    adviser,
    application_in,
    oriented_application,
)
from candidates.workflow import Status
from portal.tests.factories import UserFactory
from programmes.tests.factories import TrainingProviderFactory, centre_staff

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:candidates_application_changelist")


def test_habilitation_is_decided_by_municipal_staff_dated_and_audited(staff_client, agent):
    organisation = AdviserOrganisationFactory(is_habilitated=False)
    url = reverse("admin:candidates_adviserorganisation_changelist")
    response = staff_client.post(url, {"action": "habilitate", "_selected_action": [organisation.pk]})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.is_habilitated and organisation.habilitated_by == agent
    assert organisation.habilitated_at is not None
    assert organisation.history.first().history_user == agent

    staff_client.post(url, {"action": "withdraw_habilitation", "_selected_action": [organisation.pk]})
    organisation.refresh_from_db()
    assert not organisation.is_habilitated and organisation.habilitated_at is None


def test_habilitation_field_is_not_editable_on_the_page(staff_client):
    organisation = AdviserOrganisationFactory(is_habilitated=False)
    response = staff_client.get(reverse("admin:candidates_adviserorganisation_change", args=[organisation.pk]))
    form = response.context["adminform"].form
    assert "is_habilitated" not in form.fields and "name" in form.fields


def plain_staff():
    """Staff (may open the admin) outside the municipal staff group."""
    user = UserFactory(is_staff=True)
    user.groups.clear()
    return user


@pytest.mark.parametrize("who", ["adviser", "centre_staff", "plain_staff", "candidate"])
def test_only_municipal_staff_reach_the_organisations(client, who):
    organisation = AdviserOrganisationFactory(is_habilitated=False)
    user = {
        "adviser": lambda: adviser(organisation),
        "centre_staff": lambda: centre_staff(TrainingProviderFactory()),
        "plain_staff": plain_staff,
        "candidate": UserFactory,
    }[who]()
    client.force_login(user)
    url = reverse("admin:candidates_adviserorganisation_changelist")
    response = client.get(url)
    assert response.status_code in (302, 403)
    with pytest.raises(Exception):  # noqa: B017 — refused by the service itself, whatever the page
        attestations.set_habilitation(organisation, habilitated=True, actor=user)
    organisation.refresh_from_db()
    assert not organisation.is_habilitated


def test_changelist_shows_and_filters_oriented_by(staff_client):
    france_travail = AdviserOrganisationFactory(name="France Travail Paris 20e", kind=OrganisationKind.FRANCE_TRAVAIL)
    mission_locale = AdviserOrganisationFactory(name="Mission locale de Pantin")
    by_ft = oriented_application(Status.ELIGIBLE, organisation=france_travail)
    by_ml = oriented_application(Status.SUBMITTED, organisation=mission_locale)
    alone = application_in(Status.SUBMITTED)

    response = staff_client.get(CHANGELIST)
    assert "France Travail Paris 20e" in response.content.decode()
    assert "Mission locale de Pantin" in response.content.decode()

    def listed(**params):
        return {a.pk for a in staff_client.get(CHANGELIST, params).context["cl"].result_list}

    assert listed(oriented_by=france_travail.pk) == {by_ft.pk}
    assert listed(oriented_by_kind=OrganisationKind.MISSION_LOCALE) >= {by_ml.pk}
    assert by_ft.pk not in listed(oriented_by_kind=OrganisationKind.MISSION_LOCALE)
    assert by_ft.pk not in listed(oriented_by="none") and alone.pk in listed(oriented_by="none")


@pytest.mark.parametrize("rows", [2, 20])
def test_changelist_query_count_does_not_grow_with_oriented_rows(staff_client, django_assert_max_num_queries, rows):
    organisation = AdviserOrganisationFactory()
    for _ in range(rows):
        oriented_application(Status.SUBMITTED, organisation=organisation)
    with django_assert_max_num_queries(20):
        response = staff_client.get(CHANGELIST)
    assert response.status_code == 200


def test_application_page_shows_who_oriented_and_the_attestations(staff_client):
    organisation = AdviserOrganisationFactory(name="Mission locale de Pantin")
    karim = adviser(organisation, user__first_name="Karim", user__last_name="Haddad")
    application = oriented_application(Status.SUBMITTED, organisation=organisation, by=karim)
    CriterionVerification.objects.create(
        source=CriterionVerification.Source.ADVISER_ATTESTATION,
        person=application.candidate,
        organisation=organisation,
        criterion="rsa",
        decision="verified",
        comment="Notification CAF vue",
        verified_by=karim,
        expires_at=timezone.now() + datetime.timedelta(days=180),
    )
    response = staff_client.get(reverse("admin:candidates_application_change", args=[application.pk]))
    page = response.content.decode()
    assert "Orienté par" in page and "Mission locale de Pantin" in page
    assert "Karim Haddad" in page
    assert "Allocataire du RSA : attesté par Mission locale de Pantin (Karim Haddad)" in page


def test_supports_are_read_only_records(staff_client):
    support = SupportFactory()
    response = staff_client.get(reverse("admin:candidates_support_change", args=[support.pk]))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert site._registry[AdviserOrganisation].has_delete_permission(response.wsgi_request) is False
