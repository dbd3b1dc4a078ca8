import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from programmes.models import Session
from programmes.tests.factories import ProgrammeFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_home_says_when_applications_open_for_a_session_not_yet_open(client):
    today = timezone.localdate()
    SessionFactory(
        name="Ma 6T Va Coder Gonesse — promotion 2",
        applications_open_on=today + datetime.timedelta(days=14),
        applications_close_on=today + datetime.timedelta(days=70),
        learner_status=Session.LearnerStatus.SALARIED,
    )

    content = client.get(reverse("home")).content.decode()

    assert "Ma 6T Va Coder Gonesse" in content
    assert "Candidatures à partir du" in content
    assert "salarié au SMIC" in content


def test_home_hides_unpublished_sessions_and_programmes(client):
    SessionFactory(name="Visible")
    SessionFactory(name="Non publiée", publication="draft")
    SessionFactory(name="Programme masqué", programme__is_published=False)

    content = client.get(reverse("home")).content.decode()

    assert "Visible" in content
    assert "Non publiée" not in content
    assert "Programme masqué" not in content


def test_home_links_to_all_sessions_when_a_programme_has_many(client):
    programme = ProgrammeFactory(name="Paris Code", slug="paris-code")
    SessionFactory.create_batch(8, programme=programme)

    content = client.get(reverse("home")).content.decode()

    # Three per programme keep the phone page short (walk-through row 36); the link leads to all.
    assert content.count('class="card card-session') == 3
    assert "Toutes les sessions Paris Code (8)" in content


def test_home_query_count_does_not_grow_with_sessions(client, django_assert_max_num_queries):
    for _ in range(2):
        SessionFactory()
    with django_assert_max_num_queries(4):
        client.get(reverse("home"))

    for _ in range(3):
        programme = ProgrammeFactory()
        SessionFactory.create_batch(5, programme=programme)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("home"))
    assert response.content.decode().count('class="card card-session') == 2 + 3 * 3


def test_home_starts_with_a_search_and_the_biggest_programme(client):
    SessionFactory(programme__name="POP School", programme__slug="pop-school")
    paris_code = ProgrammeFactory(name="Paris Code", slug="paris-code")
    SessionFactory.create_batch(3, programme=paris_code)

    content = client.get(reverse("home")).content.decode()

    assert 'action="/formations/"' in content and 'name="q"' in content
    assert "Voir les 4 formations ouvertes" in content
    assert content.index(">Paris Code</a>") < content.index(">POP School</a>")


def test_language_switch_without_javascript(client):
    SessionFactory(programme__name="Paris Code")

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert '<html lang="en">' in response.content.decode()
    assert 'lang="fr"' in response.content.decode()  # the button back to French, in French
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"}, follow=True)
    assert '<html lang="fr">' in response.content.decode()
