import pytest

from portal.tests.factories import municipal_staff


@pytest.fixture
def agent():
    """A municipal staff member (staff, in the municipal staff group)."""
    return municipal_staff()


@pytest.fixture
def staff_client(client, agent):
    """A test client logged in as ``agent``."""
    client.force_login(agent)
    return client
