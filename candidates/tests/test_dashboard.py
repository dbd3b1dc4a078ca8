"""The programme dashboard, checked against factory-made data, Paris Code season 1 included."""

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates import dashboard
from candidates.models import Application
from candidates.workflow import Status
from programmes.models import ProgrammeAudience, Track
from programmes.tests.factories import ProgrammeFactory, SessionFactory, TrainingSiteFactory, centre_staff

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("admin:programme_dashboard")

# Paris Code, season 1 (2016): 1,270 trainees, 33 % developers, 19 % digital marketing, 17 % project
# managers / consultants / community managers, 11 % e-commerce, 3 % cybersecurity, 17 % other.
SEASON_1 = {
    Track.WEB_DEVELOPER: 419,
    Track.DIGITAL_MARKETING: 241,
    Track.PROJECT_MANAGER: 216,
    Track.ECOMMERCE: 140,
    Track.CYBERSECURITY: 38,
    Track.DATA_ANALYST: 216,
}


def applications(session, count, status=Status.ENROLLED, **flags):
    """Anonymised applications in bulk: the figures never need the candidate."""
    Application.objects.bulk_create(
        Application(session=session, status=status, submitted_at=timezone.now(), **flags) for _ in range(count)
    )


@pytest.fixture
def season_1():
    programme = ProgrammeFactory(name="Paris Code", season="Saison 1 (2016)")
    for track, trainees in SEASON_1.items():
        applications(SessionFactory(programme=programme, track=track, capacity=trainees), trainees)
    return programme


def test_paris_code_season_1_table_is_reproduced_from_data(season_1):
    result = dashboard.figures({"programme": season_1.pk})
    shares = {family["code"]: round(family["enrolled_share"]) for family in result["track_families"]}
    assert shares == {
        "development": 33,
        "digital_marketing": 19,
        "project_management": 17,
        "ecommerce": 11,
        "cybersecurity": 3,
        "other": 17,
    }
    assert sum(family["enrolled"] for family in result["track_families"]) == 1270
    assert result["total"].seats_filled_percent == 100


def test_figures_per_programme_structure_and_session_against_targets():
    programme = ProgrammeFactory(name="Écoles du Web", season="2017")
    ProgrammeAudience.objects.create(programme=programme, audience="women", target_percent=40)
    ProgrammeAudience.objects.create(programme=programme, audience="qpv_residents", target_percent=30)
    site = TrainingSiteFactory()
    pantin = SessionFactory(programme=programme, site=site, capacity=12)
    gonesse = SessionFactory(programme=programme, capacity=10)
    other_programme = SessionFactory(capacity=5)
    # Pantin: 10 applications, 4 women, 6 QPV residents; 6 eligible of which 2 enrolled, 1 offered,
    # 1 declined; 4 refused before screening.
    applications(pantin, 2, Status.ENROLLED, screening_outcome="eligible", is_woman=True, is_qpv_resident=True)
    applications(
        pantin, 1, Status.SEAT_OFFERED, screening_outcome="eligible", is_woman=True, offer_expires_at=timezone.now()
    )
    applications(pantin, 1, Status.OFFER_DECLINED, screening_outcome="eligible", is_qpv_resident=True)
    applications(pantin, 2, Status.WAITLISTED, screening_outcome="eligible", is_qpv_resident=True, is_aged_50_plus=True)
    applications(pantin, 4, Status.NOT_ELIGIBLE, screening_outcome="not_eligible", is_woman=True, is_qpv_resident=True)
    applications(pantin, 3, Status.DRAFT)  # drafts are not applications yet
    # Gonesse: 2 applications, none from a priority audience.
    applications(gonesse, 2, Status.SUBMITTED)
    applications(other_programme, 7, Status.SUBMITTED)

    result = dashboard.figures({"programme": programme.pk})
    total = result["total"]
    assert (total.applications, total.eligible, total.offered, total.enrolled, total.seats_taken) == (12, 6, 4, 2, 3)
    assert total.capacity == 22 and total.seats_filled_percent == round(100 * 3 / 22, 1)
    audiences = {a["code"]: a for a in total.audiences}
    assert audiences["women"]["count"] == 7 and audiences["women"]["share"] == round(100 * 7 / 12, 1)
    assert audiences["women"]["target"] == 40 and not audiences["women"]["below_target"]
    assert audiences["qpv_residents"]["share"] == round(100 * 9 / 12, 1)
    assert audiences["aged_50_plus"]["share"] == round(100 * 2 / 12, 1) and audiences["aged_50_plus"]["target"] is None

    sessions = {row.key: row for row in result["sessions"]}
    assert set(sessions) == {pantin.pk, gonesse.pk}
    assert (sessions[pantin.pk].applications, sessions[gonesse.pk].applications) == (10, 2)
    gonesse_women = {a["code"]: a for a in sessions[gonesse.pk].audiences}["women"]
    assert gonesse_women["share"] == 0 and gonesse_women["below_target"]
    providers = {row.key: row.applications for row in result["providers"]}
    assert providers == {site.provider_id: 10, gonesse.site.provider_id: 2}
    assert [row.applications for row in result["programmes"]] == [12]

    assert dashboard.figures({"provider": site.provider_id})["total"].applications == 10
    assert dashboard.figures({"session": gonesse.pk})["total"].applications == 2
    assert dashboard.figures({"season": "2017"})["total"].applications == 12
    assert dashboard.figures()["total"].applications == 19


def test_dashboard_page_in_few_queries_with_table_and_chart_data(staff_client, season_1, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        response = staff_client.get(DASHBOARD, {"programme": season_1.pk})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="dashboard-data"' in content and "js/admin-dashboard.js" in content
    assert "vendor/chartjs/chart.umd.min.js" in content
    assert "<script>" not in content.replace('<script type="application/json"', "")  # no inline JS
    assert "Marketing digital" in content and "1270" in content
    assert response.context["chart_data"]["families"]["enrolled"][0] == pytest.approx(33.0, abs=0.1)


def test_dashboard_is_linked_from_the_admin_index(staff_client):
    assert DASHBOARD in staff_client.get(reverse("admin:index")).content.decode()


def test_dashboard_is_closed_to_others(client):
    session = SessionFactory()
    for user in (None, centre_staff(session.site.provider)):
        client.logout()
        if user:
            client.force_login(user)
        response = client.get(DASHBOARD)
        assert response.status_code == 302 and "/admin/login/" in response.url
