"""Two "send" clicks at the same moment, on PostgreSQL with real concurrent transactions: one
application, one submission event, and the second click answered "already sent"."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from candidates.models import ApplicationEvent
from candidates.tests.factories import candidate, ready_to_send
from candidates.workflow import Status
from programmes.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_sends_make_one_submission():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (CI runs it)")
    user = candidate()
    application = ready_to_send(candidate=user, session=SessionFactory())
    url = reverse("candidates:apply_step", args=[application.reference, "review"])
    barrier = threading.Barrier(4)
    responses, errors = [], []
    # Log in before the race: a login writes the user row that sending locks, and only the four
    # "send" clicks are meant to collide.
    clients = []
    for _index in range(4):
        client = Client()
        client.force_login(user)
        clients.append(client)

    def click(client):
        try:
            barrier.wait(timeout=10)
            responses.append(client.post(url, follow=True))
        except Exception as error:  # reported below, not lost in the thread
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    application.refresh_from_db()
    assert application.status != Status.DRAFT
    assert ApplicationEvent.objects.filter(application=application, transition="submit").count() == 1
    contents = [response.content.decode() for response in responses]
    assert len(contents) == 4
    assert sum("Votre candidature est envoyée." in content for content in contents) == 1
    assert sum("Votre candidature a déjà été envoyée." in content for content in contents) == 3
