import pytest

from candidates import services
from candidates.models import ApplicationEvent
from candidates.tests.factories import ApplicationFactory
from candidates.workflow import Status

pytestmark = pytest.mark.django_db


def test_candidate_submits_a_draft_and_history_is_written(django_capture_on_commit_callbacks):
    application = ApplicationFactory()

    # Not executed: the screening task would move the application on (see test_screening).
    with django_capture_on_commit_callbacks(execute=False):
        result = services.transition(application, "submit", actor=application.candidate)

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.submitted_at is not None
    event = ApplicationEvent.objects.get(application=application)
    assert (event.from_status, event.to_status, event.actor) == (Status.DRAFT, Status.SUBMITTED, application.candidate)
    assert result.event == event


def test_another_candidate_cannot_act_on_an_application():
    application = ApplicationFactory()
    intruder = ApplicationFactory().candidate

    with pytest.raises(services.TransitionNotAllowed):
        services.transition(application, "submit", actor=intruder)
    assert not ApplicationEvent.objects.exists()


def test_a_repeated_transition_says_already_done(django_capture_on_commit_callbacks):
    application = ApplicationFactory()
    with django_capture_on_commit_callbacks(execute=False):
        services.transition(application, "submit", actor=application.candidate)

    with pytest.raises(services.TransitionAlreadyDone):
        services.transition(application, "submit", actor=application.candidate)
    assert ApplicationEvent.objects.count() == 1
