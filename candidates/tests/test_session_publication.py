"""A training centre proposes sessions only under the programmes its structure belongs to
(``Programme.training_providers``, kept by municipal staff), and a municipal agent publishes them:
draft → to validate (the agents are emailed) → published (the centre is emailed), or back to the
centre with a reason. Until then the session is nowhere public (December 2026 probe, finding 8)."""

import pytest
from django.core import mail
from django.urls import reverse

from candidates import seats
from portal.tests.factories import UserFactory, municipal_staff
from programmes.models import Session
from programmes.tests.factories import ProgrammeFactory, SessionFactory, centre_staff, session_form_data

pytestmark = pytest.mark.django_db

CREATE = reverse("centre:session_create")


@pytest.fixture
def ours():
    """A session of our structure (so our structure belongs to its programme)."""
    return SessionFactory()


@pytest.fixture
def staff(ours):
    return centre_staff(ours.site.provider)


def test_a_centre_cannot_create_a_session_under_another_programme(client, staff, ours):
    paris_code = ProgrammeFactory(name="Paris Code")  # its structures do not include ours
    client.force_login(staff)

    form_page = client.get(CREATE)
    response = client.post(CREATE, session_form_data(paris_code, ours.site))

    assert list(form_page.context["form"].fields["programme"].queryset) == [ours.programme]
    assert response.status_code == 200
    assert "programme" in response.context["form"].errors
    assert not Session.objects.filter(name="Intégrateur web — Pantin").exists()


def test_the_service_refuses_it_too(staff, ours):
    session = Session(**{**_fields(ours), "programme": ProgrammeFactory()})

    with pytest.raises(seats.PublicationRefused):
        seats.propose_session(session, actor=staff)


def test_a_structure_added_to_a_programme_by_the_city_may_propose_under_it(client, staff, ours, django_user_model):
    paris_code = ProgrammeFactory(name="Paris Code")
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    assert client.get(reverse("admin:programmes_programme_change", args=[paris_code.pk])).status_code == 200
    paris_code.training_providers.add(ours.site.provider)
    client.force_login(staff)

    response = client.post(CREATE, session_form_data(paris_code, ours.site))

    created = Session.objects.get(name="Intégrateur web — Pantin")
    assert response.status_code == 302 and created.programme == paris_code


def test_a_centre_session_waits_for_the_city_then_is_published(client, staff, ours, django_capture_on_commit_callbacks):
    agents = [municipal_staff(), municipal_staff()]
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(CREATE, session_form_data(ours.programme, ours.site))
    session = Session.objects.get(name="Intégrateur web — Pantin")
    assert (session.publication, session.is_published) == ("draft", False)
    assert client.get(session.get_absolute_url()).status_code == 404  # not public
    assert session not in Session.objects.published()
    assert (
        "Soumettre pour publication" in client.get(reverse("centre:session_detail", args=[session.pk])).content.decode()
    )
    assert not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("centre:session_submit", args=[session.pk]))
    session.refresh_from_db()
    assert session.publication == "to_validate" and not session.is_published
    to_agents = [message for message in mail.outbox if message.to[0] in {agent.email for agent in agents}]
    assert len(to_agents) == 2
    assert "Session à valider : Intégrateur web — Pantin" in to_agents[0].subject
    assert f"/admin/programmes/session/{session.pk}/change/" in to_agents[0].body
    assert client.get(session.get_absolute_url()).status_code == 404

    client.force_login(agents[0])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:programmes_session_changelist"),
            {"action": "publish_sessions", "_selected_action": [session.pk]},
        )
    session.refresh_from_db()
    assert (session.publication, session.is_published) == ("published", True)
    assert client.get(session.get_absolute_url()).status_code == 200
    to_centre = [message for message in mail.outbox if message.to == [staff.email]]
    assert len(to_centre) == 1 and "Session publiée" in to_centre[0].subject
    assert session.history.first().history_user == agents[0]


def test_the_city_returns_a_session_to_its_centre_with_a_reason(staff, ours, django_capture_on_commit_callbacks):
    session = seats.propose_session(Session(**{**_fields(ours), "name": "À revoir"}), actor=staff)
    seats.move_session_publication(session, "submit", actor=staff)

    with django_capture_on_commit_callbacks(execute=True):
        seats.move_session_publication(
            session, "return_to_centre", actor=municipal_staff(), reason="Les dates chevauchent la session de mars."
        )

    session.refresh_from_db()
    assert session.publication == "draft"
    returned = [message for message in mail.outbox if message.to == [staff.email]][-1]
    assert "Session à revoir : À revoir" in returned.subject
    assert "Les dates chevauchent la session de mars." in returned.body


@pytest.mark.parametrize(
    "state, name, who, allowed",
    [
        ("draft", "submit", "centre", True),
        ("draft", "submit", "other_centre", False),
        ("draft", "submit", "agent", False),
        ("to_validate", "publish", "agent", True),
        ("to_validate", "publish", "centre", False),
        ("draft", "publish", "agent", True),
        ("published", "return_to_centre", "agent", False),
        ("to_validate", "submit", "centre", False),
    ],
)
def test_who_may_move_a_session_and_from_where(ours, staff, state, name, who, allowed):
    session = SessionFactory(site=ours.site, programme=ours.programme, publication=state)
    actor = {
        "centre": staff,
        "other_centre": centre_staff(SessionFactory().site.provider),
        "agent": municipal_staff(),
    }[who]

    if allowed:
        seats.move_session_publication(session, name, actor=actor)
        session.refresh_from_db()
        assert session.publication == seats.PUBLICATION_MOVES[name][1]
    else:
        with pytest.raises(seats.PublicationRefused):
            seats.move_session_publication(session, name, actor=actor)
        session.refresh_from_db()
        assert session.publication == state


def test_the_admin_cannot_flip_the_publication_of_a_saved_session_by_hand(client, ours):
    agent = municipal_staff()
    draft = SessionFactory(site=ours.site, programme=ours.programme, publication="draft")
    client.force_login(agent)

    page = client.get(reverse("admin:programmes_session_change", args=[draft.pk])).content.decode()

    assert 'name="publication"' not in page
    assert "publication" not in seats.SESSION_FIELDS


def test_sessions_the_city_creates_in_the_admin_are_published_at_once(ours):
    assert SessionFactory().publication == "published"


def _fields(session):
    return {
        field.name: getattr(session, field.name)
        for field in Session._meta.concrete_fields
        if field.editable and not field.primary_key and field.name not in ("publication",)
    }
