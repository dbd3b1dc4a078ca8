import pytest
from django.urls import reverse

from partners.tests.factories import CharterSignatureFactory, CommitmentFactory, InterestFactory, OpportunityFactory
from portal.tests.factories import UserFactory, give_second_factor, municipal_staff

pytestmark = pytest.mark.django_db

PARTNER_MODELS = ["charter", "chartersignature", "commitment", "opportunity", "interest", "partnercompany"]


@pytest.fixture
def agent():
    """A municipal agent: the group's permissions come from portal.roles."""
    user = municipal_staff()
    assert {f"partners.view_{model}" for model in PARTNER_MODELS} <= user.get_all_permissions()
    return user


def charter_with_figures(n=1):
    signature = CharterSignatureFactory(company__name="Capgemini")
    for _ in range(n):
        commitment = CommitmentFactory(signature=signature, kind="work_study", quantity_promised=3)
        InterestFactory(
            opportunity=OpportunityFactory(company=signature.company, commitment=commitment, kind="work_study"),
            taken=True,
        )
        CommitmentFactory(signature__charter=signature.charter, quantity_promised=2)
    return signature


def test_commitment_changelist_shows_delivered_and_filters_those_behind(admin_client_for, agent):
    charter_with_figures()
    client = admin_client_for(agent)

    response = client.get(reverse("admin:partners_commitment_changelist"))
    behind = client.get(reverse("admin:partners_commitment_changelist") + "?behind=yes")

    assert response.status_code == 200
    rows = {(c.signature.company.name, c.delivered, c.shortfall) for c in response.context["cl"].result_list}
    assert ("Capgemini", 1, 2) in rows
    assert len(behind.context["cl"].result_list) == 2


def test_signature_changelist_sums_per_company(admin_client_for, agent):
    signature = charter_with_figures(n=2)
    response = admin_client_for(agent).get(reverse("admin:partners_chartersignature_changelist"))
    annotated = next(s for s in response.context["cl"].result_list if s.pk == signature.pk)
    assert (annotated.promised, annotated.delivered) == (6, 2)


def test_figures_page_per_charter_and_company(admin_client_for, agent):
    signature = charter_with_figures()
    response = admin_client_for(agent).get(
        reverse("admin:partners_charter_figures") + f"?charter={signature.charter_id}"
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Capgemini" in content
    assert [c.pk for c in response.context["charters"]] == [signature.charter_id]


def test_figures_page_refused_without_permission(client):
    """A staff account outside the municipal group holds no partners permission: 403."""
    user = UserFactory()
    user.is_staff = True
    user.save()
    give_second_factor(user)
    client.force_login(user)
    assert client.get(reverse("admin:partners_charter_figures")).status_code == 403
    client.logout()
    assert client.get(reverse("admin:partners_charter_figures")).status_code == 302


@pytest.mark.parametrize("n", [1, 6])
def test_admin_lists_bounded_queries(admin_client_for, agent, django_assert_max_num_queries, n):
    charter_with_figures(n)
    client = admin_client_for(agent)
    for name in ["commitment", "chartersignature", "opportunity", "interest", "charter"]:
        with django_assert_max_num_queries(12):
            assert client.get(reverse(f"admin:partners_{name}_changelist")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:partners_charter_figures")).status_code == 200


@pytest.fixture
def admin_client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_programme_dashboard_shows_partner_figures_for_the_chosen_programme(admin_client_for, agent):
    signature = charter_with_figures()
    other = CommitmentFactory(quantity_promised=40)  # another programme's charter
    client = admin_client_for(agent)

    scoped = client.get(reverse("admin:programme_dashboard"), {"programme": signature.charter.programme_id})
    everything = client.get(reverse("admin:programme_dashboard"))

    assert scoped.status_code == 200
    assert (scoped.context["partner_figures"]["promised"], scoped.context["partner_figures"]["delivered"]) == (5, 1)
    assert everything.context["partner_figures"]["promised"] == 45
    content = scoped.content.decode()
    assert "Capgemini" in content and other.signature.company.name not in content
    assert reverse("admin:partners_charter_figures") in content
