"""Two "send" clicks at the same moment, on PostgreSQL with real concurrent transactions: one
application, one submission event, and the second click answered "already sent"."""

import pytest
from django.db import connection
from django.urls import reverse

from candidates.models import ApplicationEvent
from candidates.tests.factories import candidate, ready_to_send
from candidates.workflow import Status
from portal.tests.auth import PortalClient
from portal.tests.concurrency import run_together
from programmes.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_sends_make_one_submission():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (CI runs it)")
    user = candidate()
    application = ready_to_send(candidate=user, session=SessionFactory())
    url = reverse("candidates:apply_step", args=[application.reference, "review"])
    # Log in before the race: a login writes the user row that sending locks, and only the four
    # "send" clicks are meant to collide.
    clients = []
    for _index in range(4):
        client = PortalClient()
        client.force_login(user)
        clients.append(client)

    outcomes = run_together([lambda client=client: client.post(url, follow=True) for client in clients])

    errors = [repr(outcome) for outcome in outcomes if isinstance(outcome, Exception)]
    responses = [outcome for outcome in outcomes if not isinstance(outcome, Exception)]
    assert errors == []
    application.refresh_from_db()
    assert application.status != Status.DRAFT
    assert ApplicationEvent.objects.filter(application=application, transition="submit").count() == 1
    contents = [response.content.decode() for response in responses]
    assert len(contents) == 4
    assert sum("Votre candidature est envoyée." in content for content in contents) == 1
    assert sum("Votre candidature a déjà été envoyée." in content for content in contents) == 3
