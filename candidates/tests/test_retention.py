"""Retention: documents deleted some months after the session's end, applications anonymised later
(the figures unchanged), idle candidates' accounts deleted; a dry run in the admin; the privacy
notice states the periods the job reads."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from candidates import personal_data
from candidates.models import Application, ApplicationDocument, ApplicationMessage, TraineeFollowUp
from candidates.reporting import open_data
from candidates.tasks import apply_retention
from candidates.tests.factories import (
    ApplicationDocumentFactory,
    ApplicationFactory,
    TraineeFollowUpFactory,
    application_in,
    candidate,
)
from candidates.workflow import Status
from portal.models import User
from portal.tests.factories import municipal_staff
from programmes.tests.factories import SessionFactory, centre_staff

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2029, 6, 15)


def session_ended(months_ago, extra_days=1):
    ends = personal_data.months_before(TODAY, months_ago) - datetime.timedelta(days=extra_days)
    return SessionFactory(
        applications_open_on=ends - datetime.timedelta(days=400),
        applications_close_on=ends - datetime.timedelta(days=330),
        starts_on=ends - datetime.timedelta(days=300),
        ends_on=ends,
    )


@pytest.fixture
def world():
    old = session_ended(24)
    enrolled = application_in(
        Status.ENROLLED, session=old, is_woman=True, motivation="Mon projet : coder.", screening_outcome="eligible"
    )
    TraineeFollowUpFactory(application=enrolled, completed_training=True)
    ApplicationDocumentFactory(application=enrolled)
    ApplicationMessage.objects.create(application=enrolled, visibility="internal", body="A appelé le 12.")
    refused = application_in(Status.REFUSED, session=old, refusal_message="Votre projet doit mûrir.")
    middle = application_in(Status.REFUSED, session=session_ended(6))
    ApplicationDocumentFactory(application=middle)
    old_draft = ApplicationFactory(session=session_ended(6))
    recent = application_in(Status.ENROLLED, session=session_ended(5, extra_days=-5))
    ApplicationDocumentFactory(application=recent)
    return {"enrolled": enrolled, "refused": refused, "middle": middle, "old_draft": old_draft, "recent": recent}


def test_the_dry_run_counts_what_the_job_then_does(world, django_capture_on_commit_callbacks):
    plan = personal_data.RetentionPlan.on(TODAY)
    assert (plan.documents_before, plan.anonymise_before) == (datetime.date(2028, 12, 15), datetime.date(2027, 6, 15))
    report = plan.report()
    assert (report["documents"], report["unsent"], report["applications"]) == (2, 1, 2)
    assert report["by_programme"][0]["count"] == 2
    document = world["enrolled"].documents.get()
    storage, name = document.file.storage, document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        done = personal_data.apply_retention(TODAY)
    assert (done["documents"], done["unsent"], done["applications"]) == (2, 1, 2)
    assert not storage.exists(name)
    assert personal_data.RetentionPlan.on(TODAY).report()["applications"] == 0  # idempotent
    assert personal_data.apply_retention(TODAY) == {"documents": 0, "unsent": 0, "applications": 0, "accounts": 0}


def test_anonymised_applications_keep_what_the_figures_need(world):
    # k=0: the figures themselves, without the suppression's audit (slow, and beside the point).
    before = open_data.tabulate(*open_data.collect(), k=0)
    personal_data.apply_retention(TODAY)
    enrolled = Application.objects.get(pk=world["enrolled"].pk)
    assert (enrolled.candidate, enrolled.motivation) == (None, "")
    assert (enrolled.status, enrolled.is_woman, enrolled.screening_outcome) == (Status.ENROLLED, True, "eligible")
    assert TraineeFollowUp.objects.get(application=enrolled).completed is True
    assert ApplicationMessage.objects.get(application=enrolled).body == ""
    assert not enrolled.history.exclude(candidate_id=None).exists()
    assert not enrolled.history.exclude(motivation="").exists()
    assert Application.objects.get(pk=world["refused"].pk).refusal_message == ""
    # Six months after its session: documents gone, the application itself untouched.
    middle = Application.objects.get(pk=world["middle"].pk)
    assert middle.candidate is not None and not ApplicationDocument.objects.filter(application=middle).exists()
    assert not Application.objects.filter(pk=world["old_draft"].pk).exists()
    assert ApplicationDocument.objects.filter(application=world["recent"]).exists()
    after = open_data.tabulate(*open_data.collect(), k=0)
    assert after.values == before.values  # every published figure is what it was


def test_idle_candidates_accounts_without_applications_are_deleted(world):
    long_ago = timezone.make_aware(datetime.datetime(2026, 1, 1))
    idle = candidate()
    User.objects.filter(pk=idle.pk).update(last_login=long_ago, date_joined=long_ago)
    active = candidate()
    User.objects.filter(pk=active.pk).update(last_login=timezone.make_aware(datetime.datetime(2029, 1, 1)))
    staff = centre_staff(world["recent"].session.site.provider)
    User.objects.filter(pk=staff.pk).update(last_login=long_ago, date_joined=long_ago)
    applicant = world["enrolled"].candidate
    User.objects.filter(pk=applicant.pk).update(last_login=long_ago, date_joined=long_ago)
    assert personal_data.RetentionPlan.on(TODAY).report()["accounts"] == 1  # the idle one, before anonymisation
    done = personal_data.apply_retention(TODAY)
    # Accounts left with nothing once their applications are anonymised (or their old draft
    # deleted), unused since the limit, go the same night.
    left_with_nothing = [applicant.pk, world["refused"].candidate_id, world["old_draft"].candidate_id]
    assert done["accounts"] == 4
    assert not User.objects.filter(pk__in=[idle.pk, *left_with_nothing]).exists()
    assert User.objects.filter(pk__in=[active.pk, staff.pk, world["recent"].candidate_id]).count() == 3


def test_the_job_is_scheduled_daily(settings):
    entry = django_settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == apply_retention.name
    assert apply_retention.apply().get() == {"documents": 0, "unsent": 0, "applications": 0, "accounts": 0}


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert personal_data.months_before(datetime.date(2029, 3, 31), 1) == datetime.date(2029, 2, 28)
    assert personal_data.months_before(datetime.date(2029, 1, 15), 24) == datetime.date(2027, 1, 15)
    assert personal_data.months_before(datetime.date(2029, 1, 15), 1) == datetime.date(2028, 12, 15)


def test_the_admin_dry_run_page(client, world):
    client.force_login(municipal_staff())
    page = client.get(reverse("admin:data_retention"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "simulation" in text and "24 mois" in text
    assert Application.objects.filter(candidate__isnull=True).count() == 0  # a dry run changes nothing


@pytest.mark.parametrize("role", ["anonymous", "candidate", "own_centre_staff"])
def test_the_dry_run_is_for_municipal_staff(client, roles, role):
    if roles[role] is not None:
        client.force_login(roles[role])
    response = client.get(reverse("admin:data_retention"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_privacy_notice_states_the_periods_of_the_settings(client, settings):
    settings.RETENTION_DOCUMENTS_MONTHS = 3
    settings.RETENTION_ANONYMISE_MONTHS = 18
    text = client.get(reverse("candidates:privacy")).content.decode()
    assert "effacés 3 mois après la fin de la session" in text
    assert "anonymisées 18 mois après la fin de la session" in text
    plan = personal_data.RetentionPlan.on(TODAY)
    assert (plan.documents_before, plan.anonymise_before) == (datetime.date(2029, 3, 15), datetime.date(2027, 12, 15))
