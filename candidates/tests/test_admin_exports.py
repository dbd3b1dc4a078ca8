"""Exports of the filtered application list: XLSX and CSV contents, personal data only with the
permission, large lists through a job whose file only its requester can download."""

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from candidates import exports
from candidates.models import ExportJob
from candidates.tests.factories import application_in, candidate
from candidates.workflow import Status
from portal.tests.factories import municipal_staff
from programmes.tests.factories import ProgrammeFactory, SessionFactory

pytestmark = pytest.mark.django_db

EXPORT = reverse("admin:candidates_application_export")


@pytest.fixture
def two_applications():
    session = SessionFactory(programme=ProgrammeFactory(name="Paris Code", season="Saison 2 (2017-2018)"))
    wanted = application_in(
        Status.ELIGIBLE,
        session=session,
        priority_score=40,
        is_woman=True,
        is_qpv_resident=True,
        candidate=candidate(user__last_name="Traoré", user__email="a.traore@exemple.fr", phone="0601020304"),
    )
    other = application_in(Status.REFUSED, refusal_reason="session_full", session=session)
    return wanted, other


def download(response):
    return b"".join(response.streaming_content)


def xlsx_rows(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def csv_rows(content):
    text = content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_export_page_counts_the_filtered_list(staff_client, two_applications):
    response = staff_client.get(EXPORT, {"status": "eligible"})
    assert response.status_code == 200 and response.context["count"] == 1
    assert "include_personal_data" not in response.context["form"].fields


def test_xlsx_export_of_the_filtered_list_without_personal_data(staff_client, two_applications):
    wanted, _other = two_applications
    response = staff_client.post(f"{EXPORT}?status=eligible", {"file_format": "xlsx", "include_personal_data": "on"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;") and ".xlsx" in response["Content-Disposition"]
    header, *rows = xlsx_rows(download(response))
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Référence"] == str(wanted.reference)
    assert (row["Programme"], row["Saison"], row["Statut"], row["Éligibilité"]) == (
        "Paris Code",
        "Saison 2 (2017-2018)",
        "Éligible",
        "Éligible",
    )
    assert (row["Score de priorité"], row["Femme"], row["Habitant d'un QPV"], row["50 ans et plus"]) == (
        40,
        "oui",
        "oui",
        "non",
    )
    assert row["Famille de métiers"] == "Développeurs"
    # No personal data without the permission, whatever the form said.
    assert "Nom" not in header and "Adresse e-mail" not in header
    assert "Traoré" not in str(rows) and "0601020304" not in str(rows)
    job = ExportJob.objects.get()
    assert (job.state, job.row_count, job.include_personal_data) == ("ready", 1, False)


def test_csv_export_with_personal_data_for_staff_with_the_permission(client, two_applications):
    agent = municipal_staff()
    agent.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    client.force_login(agent)
    response = client.post(f"{EXPORT}?q=traore", {"file_format": "csv", "include_personal_data": "on"})
    header, *rows = csv_rows(download(response))
    row = dict(zip(header, rows[0], strict=True))
    assert len(rows) == 1
    assert (row["Nom"], row["Adresse e-mail"], row["Téléphone"]) == ("Traoré", "a.traore@exemple.fr", "0601020304")


def test_csv_export_of_refusals(staff_client, two_applications):
    response = staff_client.post(f"{EXPORT}?status=refused", {"file_format": "csv"})
    header, *rows = csv_rows(download(response))
    row = dict(zip(header, rows[0], strict=True))
    assert (row["Statut"], row["Motif du refus"]) == ("Candidature non retenue", "La session est complète")


def test_large_exports_go_through_a_task_after_commit(
    staff_client, agent, two_applications, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "SYNC_EXPORT_LIMIT", 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(EXPORT, {"file_format": "xlsx"})
    assert response.status_code == 302 and response.url == reverse("admin:candidates_exportjob_changelist")
    job = ExportJob.objects.get()
    assert job.state == ExportJob.State.PENDING and len(callbacks) == 1
    callbacks[0]()  # the task runs (eagerly) once the request's transaction has committed
    job.refresh_from_db()
    assert (job.state, job.row_count) == (ExportJob.State.READY, 2)
    # Running the task again is harmless.
    exports.build(job.pk)
    assert ExportJob.objects.get().file == job.file

    listing = staff_client.get(reverse("admin:candidates_exportjob_changelist"))
    download_url = reverse("admin:candidates_exportjob_download", args=[job.pk])
    assert download_url in listing.content.decode()
    header, *rows = xlsx_rows(download(staff_client.get(download_url)))
    assert len(rows) == 2


def test_only_the_requester_sees_and_downloads_an_export(client, staff_client, agent, two_applications):
    staff_client.post(EXPORT, {"file_format": "csv"})
    job = ExportJob.objects.get()
    assert job.requested_by == agent
    colleague = municipal_staff()
    client.force_login(colleague)
    assert client.get(reverse("admin:candidates_exportjob_download", args=[job.pk])).status_code == 404
    assert job.pk not in [
        j.pk for j in client.get(reverse("admin:candidates_exportjob_changelist")).context["cl"].result_list
    ]


def test_exports_are_closed_to_others(client, two_applications):
    application = two_applications[0]
    for user in (None, application.candidate):
        client.logout()
        if user:
            client.force_login(user)
        assert client.post(EXPORT, {"file_format": "csv"}).status_code == 302
    assert not ExportJob.objects.exists()


def test_a_failed_build_is_recorded_without_details(agent, monkeypatch):
    from candidates.tasks import build_export

    job = ExportJob.objects.create(requested_by=agent, format="csv")

    def broken(*args, **kwargs):
        raise RuntimeError("Traoré")

    monkeypatch.setattr(exports, "build_dataset", broken)
    with pytest.raises(RuntimeError):
        build_export.run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.error) == (ExportJob.State.FAILED, "RuntimeError")


def test_cells_typed_by_candidates_never_become_formulas(client):
    agent = municipal_staff()
    agent.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    client.force_login(agent)
    application_in(
        Status.ELIGIBLE, candidate=candidate(user__last_name='=HYPERLINK("http://x","y")', phone="+33612345678")
    )
    response = client.post(EXPORT, {"file_format": "csv", "include_personal_data": "on"})
    header, *rows = csv_rows(download(response))
    row = dict(zip(header, rows[0], strict=True))
    assert row["Nom"] == '\'=HYPERLINK("http://x","y")'
    assert row["Téléphone"] == "'+33612345678"


def test_exports_older_than_a_week_are_purged_with_their_files(staff_client, agent, two_applications):
    import datetime

    from django.utils import timezone

    from candidates.tasks import purge_old_exports

    staff_client.post(EXPORT, {"file_format": "csv"})
    old = ExportJob.objects.get()
    storage, name = old.file.storage, old.file.name
    assert storage.exists(name)
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    staff_client.post(EXPORT, {"file_format": "csv"})
    assert purge_old_exports.run() == 1
    assert not storage.exists(name)
    assert ExportJob.objects.count() == 1


def test_the_list_links_to_the_export_of_its_filters(staff_client, two_applications):
    page = staff_client.get(reverse("admin:candidates_application_changelist"), {"status": "eligible"})
    assert f'href="{EXPORT}?status=eligible"' in page.content.decode()
