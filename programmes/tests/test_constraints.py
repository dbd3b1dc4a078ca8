"""The database itself rejects what the domain forbids, whatever the form or the admin did."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from candidates.tests.factories import ApplicationFactory, CandidateProfileFactory
from candidates.workflow import Status
from partners.tests.factories import CharterSignatureFactory, CommitmentFactory
from portal import doors
from portal.models import OutgoingEmail
from portal.tests.factories import UserFactory
from programmes.models import Funder, Funding, ProgrammeAudience
from programmes.tests.factories import (
    EligibilityRuleSetFactory,
    ProgrammeFactory,
    ProviderMembershipFactory,
    SessionFactory,
    TrainingSiteFactory,
)

pytestmark = pytest.mark.django_db


def rejected(make):
    # Written as a faulty service would (through the door, portal.doors): the database still refuses.
    with pytest.raises(IntegrityError), transaction.atomic(), doors.service_write():
        make()


def test_session_capacity_cannot_be_negative():
    session = SessionFactory()
    session.capacity = -1
    rejected(session.save)


def test_session_cannot_end_before_it_starts():
    rejected(lambda: SessionFactory(starts_on=datetime.date(2027, 3, 1), ends_on=datetime.date(2027, 2, 28)))


def test_session_application_window_must_be_ordered():
    today = timezone.localdate()
    rejected(lambda: SessionFactory(applications_open_on=today, applications_close_on=today - datetime.timedelta(1)))


def test_session_cost_cannot_be_negative():
    rejected(lambda: SessionFactory(cost_per_trainee=-1))


def test_a_candidate_applies_once_per_session():
    application = ApplicationFactory()
    rejected(lambda: ApplicationFactory(candidate=application.candidate, session=application.session))


def test_a_submitted_application_has_a_submission_date():
    rejected(lambda: ApplicationFactory(status=Status.SUBMITTED, submitted_at=None))


def test_a_seat_offer_has_a_deadline():
    rejected(lambda: ApplicationFactory(seat_offered=True, offer_expires_at=None))


def test_programme_window_must_be_ordered():
    rejected(
        lambda: ProgrammeFactory(
            applications_open_on=datetime.date(2017, 9, 27), applications_close_on=datetime.date(2017, 9, 26)
        )
    )


def test_audience_target_is_a_percentage():
    programme = ProgrammeFactory()
    rejected(lambda: ProgrammeAudience.objects.create(programme=programme, audience="women", target_percent=101))


def test_funding_amount_cannot_be_negative():
    programme = ProgrammeFactory()
    funder = Funder.objects.create(name="Ville de Paris")
    rejected(lambda: Funding.objects.create(programme=programme, funder=funder, amount=-1))


def test_site_postcode_has_five_digits():
    rejected(lambda: TrainingSiteFactory(postcode="9239"))


def test_one_membership_per_person_and_structure():
    membership = ProviderMembershipFactory()
    rejected(lambda: ProviderMembershipFactory(provider=membership.provider, user=membership.user))


def test_rules_have_one_current_version_per_programme_and_ordered_ages():
    rules = EligibilityRuleSetFactory()
    rejected(lambda: EligibilityRuleSetFactory(programme=rules.programme, version=2, is_current=True))
    rejected(lambda: EligibilityRuleSetFactory(min_age=26, max_age=18))


def test_user_email_is_unique_whatever_its_case():
    UserFactory(email="amina@example.org")
    rejected(lambda: UserFactory(email="Amina@Example.org"))


def test_job_seeker_date_needs_a_registration():
    rejected(lambda: CandidateProfileFactory(is_job_seeker=False, job_seeker_since=datetime.date(2025, 1, 1)))


def test_commitment_quantity_is_positive_and_period_ordered():
    rejected(lambda: CommitmentFactory(quantity_promised=0))
    rejected(lambda: CommitmentFactory(period_start=datetime.date(2027, 9, 1), period_end=datetime.date(2027, 8, 31)))


def test_a_company_signs_a_charter_once():
    signature = CharterSignatureFactory()
    rejected(lambda: CharterSignatureFactory(charter=signature.charter, company=signature.company))


def test_a_sent_email_has_a_sending_date():
    rejected(
        lambda: OutgoingEmail.objects.create(
            idempotency_key="k", kind="test", recipient="a@example.org", subject="s", body_text="b", status="sent"
        )
    )
