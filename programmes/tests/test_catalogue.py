"""The public catalogue: filters, search, pagination, shareable URLs, the session page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.tests.factories import ApplicationFactory
from partners.tests.factories import CommitmentFactory
from programmes.models import Session, Track
from programmes.tests.factories import ProgrammeFactory, SessionFactory, TrainingSiteFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def names(response):
    return [session.name for session in response.context["page"]]


def test_catalogue_lists_upcoming_published_sessions_only(client):
    SessionFactory(name="À venir")
    SessionFactory(name="Déjà commencée", starts_on=TODAY - datetime.timedelta(days=5))
    SessionFactory(name="Brouillon", publication="draft")
    SessionFactory(name="Programme masqué", programme__is_published=False)

    response = client.get(reverse("programmes:catalogue"))

    assert response.status_code == 200
    assert names(response) == ["À venir"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("track=web_integrator", {"Intégrateur Villeneuve"}),
        ("departement=93", {"Développeur Pantin"}),
        ("commune=villeneuve", {"Intégrateur Villeneuve"}),
        ("rhythm=part_time", {"Marketing à distance"}),
        ("delivery=remote", {"Marketing à distance"}),
        ("open=on", {"Développeur Pantin", "Marketing à distance"}),
        ("seats=on", {"Intégrateur Villeneuve", "Marketing à distance"}),
        ("q=intégrateur", {"Intégrateur Villeneuve"}),
        ("q=pantin", {"Développeur Pantin"}),
        ("programme=pop-school", {"Marketing à distance"}),
        (f"start_month={(TODAY + datetime.timedelta(days=200)):%Y-%m}", {"Intégrateur Villeneuve"}),
    ],
)
def test_each_filter_narrows_the_list(client, query, expected):
    pantin = TrainingSiteFactory(commune="Pantin", departement="93", postcode="93500")
    full = SessionFactory(name="Développeur Pantin", site=pantin, capacity=1)
    ApplicationFactory(session=full, enrolled=True)
    SessionFactory(
        name="Intégrateur Villeneuve",
        track=Track.WEB_INTEGRATOR,
        starts_on=TODAY + datetime.timedelta(days=200),
        applications_open_on=TODAY + datetime.timedelta(days=20),
        applications_close_on=TODAY + datetime.timedelta(days=90),
    )
    SessionFactory(
        name="Marketing à distance",
        track=Track.DIGITAL_MARKETING,
        rhythm=Session.Rhythm.PART_TIME,
        delivery=Session.Delivery.REMOTE,
        programme=ProgrammeFactory(slug="pop-school", name="POP School"),
        site__commune="Valenciennes",
        site__departement="59",
    )

    response = client.get(reverse("programmes:catalogue") + "?" + query)

    assert response.status_code == 200
    assert set(names(response)) == expected


def test_filtered_url_is_shareable_and_pagination_keeps_the_filters(client):
    programme = ProgrammeFactory()
    for index in range(25):
        SessionFactory(programme=programme, name=f"Session {index:02d}", track=Track.WEB_DEVELOPER)
    SessionFactory(name="Autre métier", track=Track.CYBERSECURITY)

    first = client.get(reverse("programmes:catalogue") + "?track=web_developer")
    second = client.get(reverse("programmes:catalogue") + "?track=web_developer&page=2")

    assert len(first.context["page"]) == 20
    assert "?track=web_developer&amp;page=2" in first.content.decode()
    assert len(second.context["page"]) == 5
    assert "Autre métier" not in second.content.decode()


def test_an_invalid_filter_value_shows_the_error_not_a_crash(client):
    SessionFactory(name="Visible")
    response = client.get(reverse("programmes:catalogue") + "?track=astronaute")

    assert response.status_code == 200
    assert "Visible" in names(response)


def _catalogue_queries(client, django_assert_max_num_queries, count):
    programme = ProgrammeFactory()
    for _index in range(count):
        SessionFactory(programme=programme)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("programmes:catalogue") + "?open=on&seats=on")
    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 40])
def test_catalogue_query_count_does_not_grow_with_sessions(client, django_assert_max_num_queries, count):
    _catalogue_queries(client, django_assert_max_num_queries, count)


@pytest.mark.parametrize("count", [1, 15])
def test_programme_list_and_page_query_counts_are_bounded(client, django_assert_max_num_queries, count):
    programme = ProgrammeFactory(slug="paris-code")
    for _index in range(count):
        SessionFactory(programme=programme)
        ProgrammeFactory()
    with django_assert_max_num_queries(7):
        assert client.get(reverse("programmes:programme_list")).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("programmes:programme_detail", args=["paris-code"])).status_code == 200


def test_session_page_says_everything_a_candidate_needs(client):
    session = SessionFactory(
        name="Intégrateur web — La Caravelle",
        site__name="Chantier d'insertion La Caravelle",
        site__address="4 rue de la Caravelle",
        site__commune="Villeneuve-la-Garenne",
        learner_status=Session.LearnerStatus.SALARIED,
        selection_steps=["application", "test", "interview"],
        audience_description="Jeunes de moins de 26 ans, niveau bac au plus.",
        capacity=12,
    )
    ApplicationFactory(session=session, enrolled=True)
    CommitmentFactory(session=session, signature__company__name="Microsoft", quantity_promised=4)

    response = client.get(session.get_absolute_url())

    content = response.content.decode()
    assert response.status_code == 200
    for expected in [
        session.programme.name,
        session.site.provider.name,
        "4 rue de la Caravelle",
        "payé(e) au SMIC",
        "Tests",
        "Entretien oral",
        "11 places libres sur 12",
        "Jeunes de moins de 26 ans",
        "Microsoft : 4 × Stage",
        "Vous pouvez candidater jusqu'au",
    ]:
        assert expected in content, expected


def test_session_page_for_a_closed_and_a_full_session(client):
    closed = SessionFactory(closed=True)
    full = SessionFactory(capacity=1)
    ApplicationFactory(session=full, enrolled=True)

    closed_page = client.get(closed.get_absolute_url()).content.decode()
    full_page = client.get(full.get_absolute_url()).content.decode()

    assert "Les candidatures sont closes depuis le" in closed_page
    assert reverse("candidates:apply", args=[closed.pk]) not in closed_page
    assert "Cette session est complète" in full_page
    assert "Candidater pour la liste d'attente" in full_page


def test_session_page_query_count_is_bounded(client, django_assert_max_num_queries):
    session = SessionFactory()
    for _index in range(5):
        CommitmentFactory(session=session)
    with django_assert_max_num_queries(10):
        assert client.get(session.get_absolute_url()).status_code == 200


def test_unpublished_session_is_404(client):
    assert client.get(SessionFactory(publication="to_validate").get_absolute_url()).status_code == 404
