import pytest
from django.urls import reverse

from programmes.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_home_lists_open_programmes_and_their_sessions(client):
    session = SessionFactory(programme__name="Paris Code", name="Développeur web — Simplon")
    closed = SessionFactory(closed=True, name="Session close")

    response = client.get(reverse("home"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Paris Code" in content
    assert session.name in content
    assert closed.name not in content
    assert 'lang="fr"' in content
