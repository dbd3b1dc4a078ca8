"""Trainees' follow-up: opened at enrolment with the situation at entry, a short form emailed on
leaving and six months later (with one reminder), answered from the link or recorded by the
centre, through one service."""

import datetime
import re

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from candidates import follow_up
from candidates.models import TraineeFollowUp
from candidates.services import transition
from candidates.tests.factories import TraineeFollowUpFactory, application_in, candidate
from candidates.workflow import Status
from portal.tests.factories import municipal_staff
from programmes.models import QualificationLevel
from programmes.tests.factories import SessionFactory, centre_staff

pytestmark = pytest.mark.django_db


def ended_session(days_ago=1, **kwargs):
    today = timezone.localdate()
    return SessionFactory(
        applications_open_on=today - datetime.timedelta(days=400),
        applications_close_on=today - datetime.timedelta(days=320),
        starts_on=today - datetime.timedelta(days=300),
        ends_on=today - datetime.timedelta(days=days_ago),
        **kwargs,
    )


def test_enrolment_opens_the_follow_up_with_the_situation_at_entry(db):
    session = SessionFactory()
    start = session.starts_on
    trainee = candidate(
        gender="man",
        birth_date=start.replace(year=start.year - 27),
        qualification_level=QualificationLevel.LEVEL_5,
        is_job_seeker=True,
        job_seeker_since=start.replace(year=start.year - 2),
    )
    application = application_in(Status.SEAT_ACCEPTED, session=session, candidate=trainee, is_long_term_job_seeker=True)
    transition(application, "enroll", actor=centre_staff(session.site.provider))
    record = TraineeFollowUp.objects.get(application=application)
    assert (record.gender, record.age_band, record.qualification_level) == ("man", "25_29", 5)
    assert (record.entry_situation, record.long_term_unemployed) == ("job_seeking", True)
    assert record.entered_on == start
    assert record.completed is None and not record.exit_recorded


def test_the_forms_are_emailed_on_leaving_and_six_months_later_with_one_reminder(
    db, django_capture_on_commit_callbacks
):
    record = TraineeFollowUpFactory(application=application_in(Status.ENROLLED, session=ended_session()))
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_up.queue_surveys(now=now) == 1
        assert follow_up.queue_surveys(now=now) == 0  # once
    mail_body = mail.outbox[-1].body
    assert "est terminée" in mail_body and "/mon-parcours/" in mail_body
    assert mail.outbox[-1].to == [record.application.candidate.email]
    # A week later, unanswered: one reminder.
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_up.queue_surveys(now=now + datetime.timedelta(days=7, hours=1)) == 1
    assert mail.outbox[-1].subject.startswith("Rappel")
    assert follow_up.queue_surveys(now=now + datetime.timedelta(days=8)) == 0
    # Six months after leaving.
    with django_capture_on_commit_callbacks(execute=True):
        assert follow_up.queue_surveys(now=now + follow_up.SIX_MONTHS_AFTER) == 1
    assert "il y a six mois" in mail.outbox[-1].body


def test_no_reminder_for_those_who_turned_reminders_off_and_nothing_once_anonymised(db):
    record = TraineeFollowUpFactory(application=application_in(Status.ENROLLED, session=ended_session()))
    now = timezone.now()
    follow_up.queue_surveys(now=now)
    user = record.application.candidate
    user.receives_reminders = False
    user.save()
    assert follow_up.queue_surveys(now=now + datetime.timedelta(days=7, hours=1)) == 0
    other = TraineeFollowUpFactory(application=application_in(Status.ENROLLED, session=ended_session(), candidate=None))
    assert follow_up.queue_surveys(now=now) == 0
    assert other.exit_survey_sent_at is None


def test_a_training_that_ended_long_ago_gets_no_form(db):
    TraineeFollowUpFactory(application=application_in(Status.ENROLLED, session=ended_session(days_ago=90)))
    assert follow_up.queue_surveys() == 0


def test_the_trainee_answers_from_the_link_without_logging_in(client):
    record = TraineeFollowUpFactory(application=application_in(Status.ENROLLED, session=ended_session()))
    url = reverse("candidates:follow_up_survey", args=[follow_up.survey_token(record, follow_up.EXIT)])
    page = client.get(url)
    assert "Avez-vous suivi la formation jusqu&#x27;au bout ?" in page.content.decode()
    # Missing answers: a clear error, what was chosen is kept.
    response = client.post(url, {"completed": "yes"})
    assert "Ce champ est obligatoire." in response.content.decode()
    assert re.search(r'value="yes"[^>]*checked', response.content.decode())
    response = client.post(url, {"completed": "yes", "qualification": "obtained", "situation": "employed"})
    assert "Vos réponses sont enregistrées" in response.content.decode()
    record.refresh_from_db()
    assert (record.completed, record.qualification, record.exit_situation) == (True, "obtained", "employed")
    assert record.exit_source == "trainee" and record.exit_recorded_by is None
    again = client.post(url, {"completed": "no", "qualification": "not_obtained", "situation": "inactive"})
    assert "déjà enregistrées" in again.content.decode()
    record.refresh_from_db()
    assert record.completed is True


def test_a_forged_or_expired_link_is_a_404(client):
    record = TraineeFollowUpFactory(application=application_in(Status.ENROLLED, session=ended_session()))
    assert client.get(reverse("candidates:follow_up_survey", args=["nimporte-quoi"])).status_code == 404
    forged = signing.dumps({"f": record.pk, "s": follow_up.EXIT}, salt="another-salt")
    assert client.get(reverse("candidates:follow_up_survey", args=[forged])).status_code == 404
    token = follow_up.survey_token(record, follow_up.SIX_MONTHS)
    assert client.get(reverse("candidates:follow_up_survey", args=[token])).status_code == 200
    settings_delay = follow_up.SURVEY_LINK_VALID
    try:
        follow_up.SURVEY_LINK_VALID = datetime.timedelta(seconds=-1)  # every link is now too old
        assert client.get(reverse("candidates:follow_up_survey", args=[token])).status_code == 404
    finally:
        follow_up.SURVEY_LINK_VALID = settings_delay


def test_the_centre_record_prevails_over_a_later_form(db):
    record = TraineeFollowUpFactory(application=application_in(Status.ENROLLED, session=ended_session()))
    staff = centre_staff(record.application.session.site.provider)
    follow_up.record_exit(record, completed=False, situation="job_seeking", source=follow_up.Source.CENTRE, actor=staff)
    assert follow_up.record_exit(record, completed=True, situation="employed", source=follow_up.Source.TRAINEE) is None
    record.refresh_from_db()
    assert (record.completed, record.exit_situation, record.exit_recorded_by) == (False, "job_seeking", staff)


def test_only_the_sessions_centre_and_municipal_staff_may_record(db, roles):
    record = TraineeFollowUpFactory(application=application_in(Status.ENROLLED, session=ended_session()))
    for role in ("candidate", "other_centre_staff", "plain_user"):
        with pytest.raises(follow_up.FollowUpNotAllowed):
            follow_up.record_six_months(record, situation="employed", source=follow_up.Source.CENTRE, actor=roles[role])
    follow_up.record_six_months(
        record, situation="employed", source=follow_up.Source.MUNICIPAL_STAFF, actor=municipal_staff()
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("candidate", 404),
        ("other_candidate", 404),
        ("other_centre_staff", 404),
        ("municipal_staff", 404),
        ("own_centre_staff", 200),
    ],
)
def test_the_centre_pages_are_its_own(client, roles, open_session, role, status):
    record = TraineeFollowUpFactory(application=application_in(Status.ENROLLED, session=open_session))
    if roles[role] is not None:
        client.force_login(roles[role])
    for url in (
        reverse("centre:session_follow_ups", args=[open_session.pk]),
        reverse("centre:follow_up_edit", args=[record.pk]),
    ):
        assert client.get(url).status_code == status


def test_the_centre_records_the_exit_and_six_months(client, roles, open_session, django_assert_max_num_queries):
    records = [
        TraineeFollowUpFactory(application=application_in(Status.ENROLLED, session=open_session)) for _n in range(3)
    ]
    client.force_login(roles["own_centre_staff"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("centre:session_follow_ups", args=[open_session.pk]))
    assert page.content.decode().count(reverse("centre:follow_up_edit", args=[records[0].pk])) == 1
    url = reverse("centre:follow_up_edit", args=[records[0].pk])
    response = client.post(url, {"completed": "yes", "exit_situation": ""})
    assert "indiquez à la fois" in response.content.decode()
    response = client.post(
        url,
        {
            "entry_situation": "inactive",
            "completed": "no",
            "left_on": (records[0].entered_on + datetime.timedelta(days=30)).isoformat(),
            "qualification": "not_obtained",
            "exit_situation": "job_seeking",
            "six_month_situation": "employed",
        },
    )
    assert response.status_code == 302
    record = TraineeFollowUp.objects.get(pk=records[0].pk)
    assert (record.completed, record.entry_situation, record.exit_source) == (False, "inactive", "centre")
    assert record.six_month_situation == "employed" and record.exit_recorded_by == roles["own_centre_staff"]
    too_early = client.post(url, {"left_on": (record.entered_on - datetime.timedelta(days=1)).isoformat()})
    assert "ne peut pas précéder" in too_early.content.decode()


def test_the_migration_opens_the_follow_ups_of_trainees_enrolled_before(db):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("candidates.migrations.0015_open_follow_ups_of_enrolled_trainees")
    trainee = candidate(gender="woman", is_job_seeker=True)
    application = application_in(Status.ENROLLED, candidate=trainee, is_job_seeker=True)
    already = TraineeFollowUpFactory(application=application_in(Status.ENROLLED)).application
    migration.open_follow_ups(apps, None)
    record = TraineeFollowUp.objects.get(application=application)
    assert (record.gender, record.entry_situation, record.entered_on) == (
        "woman",
        "job_seeking",
        application.session.starts_on,
    )
    assert TraineeFollowUp.objects.filter(application=already).count() == 1
