import pytest
from django.core.cache import cache

from candidates.tests.factories import candidate
from portal.tests.factories import UserFactory, municipal_staff
from programmes.tests.factories import SessionFactory, TrainingProviderFactory, centre_staff


@pytest.fixture
def agent():
    """A municipal staff member (staff, in the municipal staff group)."""
    return municipal_staff()


@pytest.fixture
def staff_client(client, agent):
    """A test client logged in as ``agent``."""
    client.force_login(agent)
    return client


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    """django-allauth's rate limits live in the cache: each test starts with a clean slate."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(client):
    """A candidate, logged in on ``client``."""
    user = candidate()
    client.force_login(user)
    return user


@pytest.fixture
def draft(user, open_session):
    """``user``'s draft application to ``open_session``, at the documents step."""
    from candidates.tests.factories import ApplicationFactory

    return ApplicationFactory(candidate=user, session=open_session, draft_step="documents")


@pytest.fixture
def open_session(db):
    """A session open for applications, in Pantin."""
    return SessionFactory(name="Développeur web — Pantin", site__commune="Pantin", site__departement="93")


@pytest.fixture
def roles(db, open_session):
    """One user per role the permission tests walk through (centre staff of ``open_session``'s
    structure, of another structure)."""
    return {
        "anonymous": None,
        "candidate": candidate(),
        "other_candidate": candidate(),
        "own_centre_staff": centre_staff(open_session.site.provider),
        "other_centre_staff": centre_staff(TrainingProviderFactory()),
        "municipal_staff": municipal_staff(),
        "plain_user": UserFactory(),
    }
