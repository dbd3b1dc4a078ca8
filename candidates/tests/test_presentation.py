"""What the candidate reads about a status or an event: the portal's own wording, and Django's
choice label only for what has none (computed then, not on every call: it costs a gettext per
choice, which made « Mes candidatures » a third slower)."""

import pytest

from candidates import presentation
from candidates.models import Application, ApplicationEvent
from candidates.workflow import Status


@pytest.fixture
def display_forbidden(monkeypatch):
    def forbidden(self, *args, **kwargs):
        raise AssertionError("Django's choice label computed although the portal has its own")

    monkeypatch.setattr(Application, "get_status_display", forbidden)
    monkeypatch.setattr(ApplicationEvent, "get_to_status_display", forbidden)


@pytest.mark.parametrize("status", list(presentation.CANDIDATE_STATUS_LABELS))
def test_a_status_with_its_own_wording_does_not_compute_djangos_label(display_forbidden, status):
    assert presentation.candidate_status(Application(status=status)) == presentation.CANDIDATE_STATUS_LABELS[status]


@pytest.mark.parametrize("status", list(presentation.EVENT_SENTENCES))
def test_an_event_with_its_own_sentence_does_not_compute_djangos_label(display_forbidden, status):
    event = ApplicationEvent(to_status=status)
    assert presentation.event_sentence(event) == presentation.EVENT_SENTENCES[status]


def test_a_status_without_its_own_wording_falls_back_to_the_choice_label(monkeypatch):
    monkeypatch.delitem(presentation.CANDIDATE_STATUS_LABELS, Status.SUBMITTED)
    monkeypatch.delitem(presentation.EVENT_SENTENCES, Status.SUBMITTED)
    assert presentation.candidate_status(Application(status=Status.SUBMITTED)) == Status.SUBMITTED.label
    assert presentation.event_sentence(ApplicationEvent(to_status=Status.SUBMITTED)) == Status.SUBMITTED.label
