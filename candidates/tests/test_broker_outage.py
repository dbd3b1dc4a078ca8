"""A broker outage while a candidate sends an application or declines a seat (the December 2026
report's finding 4): the request answers as usual, the task waits in portal.deferred's table, and
it runs exactly once when the broker is back."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import Application, Screening
from candidates.tests.factories import application_in, candidate, ready_to_send
from candidates.workflow import Status
from portal import deferred, doors
from portal.celery import app
from portal.models import DeferredTask

pytestmark = pytest.mark.django_db


def later(seconds=None):
    return timezone.now() + datetime.timedelta(seconds=seconds or deferred.grace().total_seconds() + 1)


def test_sending_an_application_while_the_broker_is_down(client, broker_down, open_session):
    """The report's case: "Envoyer" answered 500 and the screening never came. Now the request
    answers as usual, the screening waits in the table, and runs once when the broker is back."""
    user = candidate()
    application = ready_to_send(candidate=user, session=open_session)
    client.force_login(user)

    response = client.post(reverse("candidates:apply_step", args=[application.reference, "review"]))

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    row = DeferredTask.objects.get(task_name="candidates.tasks.screen_application")
    assert (row.status, row.args) == ("pending", [application.pk])
    assert deferred.requeue_deferred_tasks(now=later()) == 0  # still down: nothing lost, nothing done

    app.conf.task_always_eager = True  # the broker is back (the worker runs it here)
    assert deferred.requeue_deferred_tasks(now=later(2)) == 0  # pushed back by the last sweep
    assert deferred.requeue_deferred_tasks(now=later(2 * deferred.grace().total_seconds() + 5)) == 1

    application.refresh_from_db()
    assert application.status != Status.SUBMITTED
    assert Screening.objects.filter(application=application).count() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.publications) == ("done", 0, 2)  # eager runs do not claim
    assert deferred.requeue_deferred_tasks(now=later(10 * deferred.grace().total_seconds())) == 0


def test_declining_a_seat_while_the_broker_is_down_offers_it_later(client, broker_down, open_session):
    open_session.capacity = 1
    with doors.service_write():  # arrange: a one-seat session
        open_session.save()
    user = candidate()
    offered = application_in(Status.SEAT_OFFERED, candidate=user, session=open_session)
    waiting = application_in(Status.WAITLISTED, session=open_session)
    client.force_login(user)

    response = client.post(reverse("candidates:application_action", args=[offered.reference, "decline_offer"]))

    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.status == Status.OFFER_DECLINED
    assert DeferredTask.objects.get(task_name="candidates.tasks.fill_freed_seats").args == [open_session.pk]

    app.conf.task_always_eager = True
    deferred.requeue_deferred_tasks(now=later())

    waiting.refresh_from_db()
    assert waiting.status == Status.SEAT_OFFERED
    assert Application.objects.filter(session=open_session, status=Status.SEAT_OFFERED).count() == 1
