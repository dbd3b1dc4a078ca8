"""The personal-data access trail: readable by superusers only, never edited (model, queryset and,
on PostgreSQL, a trigger), purged after a year by the nightly job."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from portal import audit, tasks
from portal.models import AccessLog
from portal.tests.factories import give_second_factor, municipal_staff

pytestmark = pytest.mark.django_db


def entry(**fields):
    return AccessLog.objects.create(
        actor_id=1,
        actor_email="agent@paris.example.org",
        space="admin",
        action=AccessLog.Action.APPLICATION_VIEWED,
        object_type="candidates.application",
        object_id="42",
        candidate_id=7,
        **fields,
    )


def test_superusers_read_the_trail_and_nobody_edits_it(client, django_user_model):
    row = entry()
    superuser = django_user_model.objects.create_superuser("dsi@paris.example.org", "x")
    give_second_factor(superuser)
    client.force_login(superuser)

    listing = client.get(reverse("admin:portal_accesslog_changelist"))
    assert listing.status_code == 200 and "agent@paris.example.org" in listing.content.decode()
    assert client.get(reverse("admin:portal_accesslog_change", args=[row.pk])).status_code == 200
    client.post(reverse("admin:portal_accesslog_change", args=[row.pk]), {"actor_email": "x@example.org"})
    assert client.post(reverse("admin:portal_accesslog_delete", args=[row.pk])).status_code == 403
    assert client.get(reverse("admin:portal_accesslog_add")).status_code == 403
    row.refresh_from_db()
    assert row.actor_email == "agent@paris.example.org"


def test_municipal_staff_cannot_read_the_trail(client):
    entry()
    client.force_login(municipal_staff())

    assert client.get(reverse("admin:portal_accesslog_changelist")).status_code == 403
    assert "accesslog" not in client.get(reverse("admin:index")).content.decode()


def test_the_model_refuses_edits_and_deletions():
    row = entry()
    row.actor_email = "x@example.org"

    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.filter(pk=row.pk).update(detail="x")
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()


def test_the_database_refuses_edits_and_early_deletions(require_postgresql):
    row = entry()

    for sql in ("UPDATE portal_accesslog SET detail = 'x' WHERE id = %s", "DELETE FROM portal_accesslog WHERE id = %s"):
        with pytest.raises(DatabaseError, match="access trail"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])
    assert AccessLog.objects.filter(pk=row.pk, detail="").exists()


def test_the_nightly_job_purges_rows_older_than_a_year(settings):
    now = timezone.now()
    old = entry(at=now - datetime.timedelta(days=366))
    kept = entry(at=now - datetime.timedelta(days=364))
    settings.ACCESS_LOG_RETENTION_DAYS = 30  # shorter than a year: a year still holds

    assert tasks.purge_access_log() == 1

    assert list(AccessLog.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not AccessLog.objects.filter(pk=old.pk).exists()
    assert audit.retention_days() == 365


def test_the_purge_job_is_scheduled(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portal.tasks.purge_access_log" in scheduled
