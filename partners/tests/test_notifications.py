import pytest

from partners import services
from partners.tests.factories import InterestFactory
from portal.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def test_the_trainee_taken_gets_one_email(mailoutbox, django_capture_on_commit_callbacks):
    interest = InterestFactory(
        opportunity__title="Journée découverte au campus Microsoft",
        opportunity__company__name="Microsoft France",
        opportunity__location="Issy-les-Moulineaux",
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.mark_taken(interest, actor=None)
    services.mark_not_taken(interest, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_taken(interest, actor=None)  # taken again: no second email

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [interest.candidate.email]
    assert email.subject == "Microsoft France vous a retenu·e"
    assert "Microsoft France vous a retenu·e pour « Journée découverte au campus Microsoft »" in email.body
    assert f"/opportunites/{interest.opportunity_id}/" in email.body
    assert OutgoingEmail.objects.get().kind == "partners_interest_taken"


def test_no_email_when_taking_fails():
    interest = InterestFactory(opportunity__places=1)
    InterestFactory(opportunity=interest.opportunity, taken=True)
    with pytest.raises(services.NoPlacesLeft):
        services.mark_taken(interest, actor=None)
    assert not OutgoingEmail.objects.exists()
