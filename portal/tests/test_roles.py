"""The municipal staff group: created by a data migration, view/change but never delete on
applications, and the audit trail of what its members change."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from candidates.tests.factories import application_in
from candidates.workflow import Status
from portal.roles import MUNICIPAL_STAFF_PERMISSIONS, sync_municipal_staff_group
from portal.tests.factories import municipal_staff
from programmes.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def codenames(group):
    return set(group.permissions.values_list("content_type__app_label", "codename"))


def test_the_group_exists_after_migrate_with_view_change_and_no_delete():
    group = Group.objects.get(name=settings.MUNICIPAL_STAFF_GROUP)
    perms = codenames(group)
    assert {("candidates", "view_application"), ("candidates", "change_application")} <= perms
    assert ("candidates", "delete_application") not in perms
    assert ("candidates", "add_application") not in perms
    assert not [codename for _app, codename in perms if codename.startswith("delete_")]
    assert ("programmes", "change_session") in perms and ("programmes", "view_eligibilityruleset") in perms


def test_the_data_migration_builds_the_group_from_the_historical_models():
    Group.objects.filter(name=settings.MUNICIPAL_STAFF_GROUP).delete()
    state = MigrationExecutor(connection).loader.project_state(("portal", "0002_municipal_staff_group"))
    import importlib

    from portal.migrations import __name__ as package  # noqa: F401

    migration = importlib.import_module("portal.migrations.0002_municipal_staff_group")
    migration.create_group(state.apps, None)
    group = Group.objects.get(name=settings.MUNICIPAL_STAFF_GROUP)
    assert ("candidates", "change_application") in codenames(group)


def test_sync_never_keeps_a_delete_permission():
    from django.contrib.auth.models import Permission

    group = Group.objects.get(name=settings.MUNICIPAL_STAFF_GROUP)
    group.permissions.add(Permission.objects.get(codename="delete_application"))
    from django.apps import apps

    sync_municipal_staff_group(apps)
    assert ("candidates", "delete_application") not in codenames(group)


def test_every_declared_permission_exists():
    from django.contrib.auth.models import Permission

    for app_label, models in MUNICIPAL_STAFF_PERMISSIONS.items():
        for model, actions in models.items():
            for action in actions:
                assert Permission.objects.filter(
                    content_type__app_label=app_label, codename=f"{action}_{model}"
                ).exists(), (app_label, model, action)


def test_a_member_cannot_delete_an_application_but_a_superuser_can(client, django_user_model):
    application = application_in(Status.REFUSED)
    url = reverse("admin:candidates_application_delete", args=[application.pk])
    agent = municipal_staff()
    assert not agent.has_perm("candidates.delete_application")
    client.force_login(agent)
    assert client.post(url, {"post": "yes"}).status_code == 403
    superuser = django_user_model.objects.create_superuser("dsi@paris.example.org", "x")
    assert superuser.has_perm("candidates.delete_application")
    assert superuser.groups.count() == 0  # superusers stay apart from the group


def test_session_capacity_change_in_the_admin_is_audited_with_who(client):
    session = SessionFactory(capacity=12)
    agent = municipal_staff()
    client.force_login(agent)
    url = reverse("admin:programmes_session_change", args=[session.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "capacity": 14,
            "starts_on": session.starts_on.isoformat(),
            "ends_on": session.ends_on.isoformat(),
            "applications_open_on": session.applications_open_on.isoformat(),
            "applications_close_on": session.applications_close_on.isoformat(),
            "selection_steps": '["application", "test", "interview"]',
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = session.history.first()
    assert (latest.capacity, latest.history_user) == (14, agent)
    history = client.get(reverse("admin:programmes_session_history", args=[session.pk]))
    assert history.status_code == 200 and str(agent) in history.content.decode()


def test_application_decisions_are_audited_with_who(client):
    application = application_in(Status.ELIGIBLE)
    agent = municipal_staff()
    client.force_login(agent)
    client.post(reverse("admin:candidates_application_decision", args=[application.pk, "waitlist"]), {"note": ""})
    latest = application.history.first()
    assert (latest.status, latest.history_user) == (Status.WAITLISTED, agent)
    page = client.get(reverse("admin:candidates_application_history", args=[application.pk]))
    assert str(agent) in page.content.decode()
