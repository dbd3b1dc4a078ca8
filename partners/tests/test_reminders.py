import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from partners import services, tasks
from partners.tests.factories import CommitmentFactory, InterestFactory, partner_member
from portal.models import OutgoingEmail

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2018, 6, 4)  # a Monday


def behind_company(season_ends_on=TODAY + datetime.timedelta(days=30), **kwargs):
    """A company that promised 5 internships and delivered 2, and one of its members."""
    commitment = CommitmentFactory(
        quantity_promised=5,
        signature__company__name="Capgemini",
        signature__charter__season_ends_on=season_ends_on,
        signature__charter__title="Charte Partenaires Paris Code",
        **kwargs,
    )
    for _ in range(2):
        InterestFactory(
            opportunity__company=commitment.signature.company,
            opportunity__commitment=commitment,
            opportunity__kind=commitment.kind,
            taken=True,
        )
    return commitment, partner_member(company=commitment.signature.company)


def test_digest_to_each_member_of_a_company_behind_with_what_remains(mailoutbox, django_capture_on_commit_callbacks):
    commitment, member = behind_company()
    colleague = partner_member(company=commitment.signature.company)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_commitment_reminders(on=TODAY) == 2

    assert sorted(m.to[0] for m in mailoutbox) == sorted([member.email, colleague.email])
    body = mailoutbox[0].body
    assert "Capgemini" in mailoutbox[0].subject
    assert "Stage : 2 réalisés sur 5 promis, il en reste 3 — Charte Partenaires Paris Code" in body
    assert f"{settings.SITE_URL}/espace-partenaire/" in body
    assert OutgoingEmail.objects.filter(kind="partners_commitment_reminder").count() == 2


def test_digest_is_idempotent_per_company_and_week():
    behind_company()

    assert services.send_commitment_reminders(on=TODAY) == 1
    assert services.send_commitment_reminders(on=TODAY + datetime.timedelta(days=3)) == 0  # same week
    assert services.send_commitment_reminders(on=TODAY + datetime.timedelta(days=7)) == 1
    assert OutgoingEmail.objects.filter(kind="partners_commitment_reminder").count() == 2


@pytest.mark.parametrize(
    "season_ends_on",
    [
        TODAY + datetime.timedelta(days=120),  # too early
        TODAY - datetime.timedelta(days=1),  # season over
        None,
    ],
)
def test_no_digest_outside_the_window(season_ends_on):
    behind_company(season_ends_on=season_ends_on)
    assert services.send_commitment_reminders(on=TODAY) == 0


def test_no_digest_when_kept_unpublished_or_reminders_off():
    commitment, member = behind_company()
    commitment.quantity_promised = 2
    commitment.save()
    assert services.send_commitment_reminders(on=TODAY) == 0

    commitment.quantity_promised = 5
    commitment.save()
    member.receives_reminders = False
    member.save()
    assert services.send_commitment_reminders(on=TODAY) == 0


def test_beat_schedule_runs_the_task():
    entry = settings.CELERY_BEAT_SCHEDULE["partners-commitment-reminders"]
    assert entry["task"] == tasks.send_commitment_reminders.name


def test_the_task_uses_today():
    behind_company(season_ends_on=timezone.localdate() + datetime.timedelta(days=10))
    assert tasks.send_commitment_reminders.apply().result == 1
    assert tasks.send_commitment_reminders.apply().result == 0
