"""Funders' reports: the ESF participant indicators by gender (entry, exit, six months), built as
XLSX by the exports' task, for staff holding their own permission."""

import datetime

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from candidates.models import ExportJob
from candidates.reporting import funders
from candidates.tests.factories import TraineeFollowUpFactory, application_in
from candidates.workflow import Status
from portal.tests.factories import municipal_staff
from programmes.tests.factories import ProgrammeFactory, SessionFactory

pytestmark = pytest.mark.django_db

REPORTS = reverse("admin:candidates_exportjob_funder_reports")


def sheet_rows(sheet):
    return {row[0]: row[1:] for row in sheet}


@pytest.fixture
def participants():
    """Four trainees of POP School who left a year ago, one of another programme."""
    today = timezone.localdate()
    programme = ProgrammeFactory(name="POP School", season="2025-2026")
    session = SessionFactory(
        programme=programme,
        applications_open_on=today - datetime.timedelta(days=700),
        applications_close_on=today - datetime.timedelta(days=640),
        starts_on=today - datetime.timedelta(days=600),
        ends_on=today - datetime.timedelta(days=365),
    )

    def trainee(**kwargs):
        flags = {key: kwargs.pop(key) for key in ("has_rqth", "is_qpv_resident", "receives_rsa") if key in kwargs}
        return TraineeFollowUpFactory(application=application_in(Status.ENROLLED, session=session, **flags), **kwargs)

    trainee(
        gender="woman",
        age_band="18_24",
        qualification_level=0,
        is_qpv_resident=True,
        completed_training=True,
        six_month_situation="employed",
        six_month_recorded_at=timezone.now(),
    )
    trainee(
        gender="woman",
        age_band="30_54",
        qualification_level=5,
        entry_situation="inactive",
        has_rqth=True,
        completed=False,
        exit_situation="job_seeking",
        exit_recorded_at=timezone.now(),
    )
    trainee(
        gender="man",
        age_band="55_plus",
        qualification_level=4,
        long_term_unemployed=True,
        receives_rsa=True,
        six_month_situation="self_employed",
        six_month_recorded_at=timezone.now(),
    )
    trainee(gender="undisclosed", age_band="", qualification_level=None, entry_situation="")
    TraineeFollowUpFactory(application=application_in(Status.ENROLLED, session=SessionFactory()))
    return programme


def test_the_esf_indicators_by_gender(participants):
    book = funders.esf_report({"programme": participants.pk})
    entry, exit_, six, notes = book.sheets()
    assert entry.headers == ["Indicateur", "Femmes", "Hommes", "Autres ou non précisé", "Total"]
    rows = sheet_rows(entry)
    assert rows["Participants"] == (2, 1, 1, 4)
    assert rows["Chômeurs, y compris de longue durée (demandeurs d'emploi)"] == (1, 1, 0, 2)
    assert rows["Chômeurs de longue durée (inscrits depuis 12 mois ou plus)"][3] == 1
    assert rows["Inactifs ne suivant ni études ni formation"] == (1, 0, 0, 1)
    assert rows["18 à 29 ans"][3] == 1 and rows["55 ans et plus"] == (0, 1, 0, 1)
    assert rows["CITE 0 à 2 (sans diplôme, brevet)"][3] == 1
    assert rows["CITE 3 et 4 (CAP, BEP, baccalauréat)"] == (0, 1, 0, 1)
    assert rows["CITE 5 à 8 (bac+2 et au-delà)"][3] == 1
    assert rows["Niveau d'études non renseigné"][3] == 1
    assert rows["Au moins une situation défavorisée (RQTH, QPV ou RSA)"] == (2, 1, 0, 3)
    exits = sheet_rows(exit_)
    assert exits["Participants sortis"][3] == 4
    assert exits["Formation suivie jusqu'au bout"][3] == 1
    assert exits["Participants obtenant une qualification au terme de leur participation"][3] == 1
    assert exits["Participants exerçant un emploi, y compris indépendant, au terme de leur participation"][3] == 1
    later = sheet_rows(six)
    key = "Participants exerçant un emploi, y compris indépendant, six mois après la fin de leur participation"
    assert later[key] == (1, 1, 0, 2)
    assert "POP School" in str(notes.dict)


def test_the_report_needs_its_own_permission(client, participants):
    agent = municipal_staff()
    client.force_login(agent)
    assert client.get(REPORTS).status_code == 403
    agent.user_permissions.add(Permission.objects.get(codename="export_funder_reports"))
    assert client.get(REPORTS).status_code == 200


@pytest.mark.parametrize("role", ["anonymous", "candidate", "own_centre_staff"])
def test_others_never_reach_the_reports(client, roles, role):
    if roles[role] is not None:
        client.force_login(roles[role])
    response = client.get(REPORTS)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_report_is_built_by_the_export_task_and_downloaded_by_its_requester(
    client, participants, django_capture_on_commit_callbacks
):
    agent = municipal_staff()
    agent.user_permissions.add(
        *Permission.objects.filter(codename__in=["export_funder_reports", "view_exportjob", "add_exportjob"])
    )
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REPORTS, {"kind": "esf", "programme": participants.pk, "since": "", "until": ""})
    assert response.status_code == 302
    job = ExportJob.objects.get(requested_by=agent)
    assert (job.kind, job.format, job.state) == ("esf", "xlsx", ExportJob.State.READY)
    download = client.get(reverse("admin:candidates_exportjob_download", args=[job.pk]))
    assert download["Content-Disposition"].endswith(
        "indicateurs-fse-" + f'{timezone.localtime(job.created_at):%Y%m%d-%H%M}.xlsx"'
    )
    path = job.file.path
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["À l'entrée", "À la sortie", "Six mois après", "Notes"]
    assert workbook["À l'entrée"]["A2"].value == "Participants" and workbook["À l'entrée"]["E2"].value == 4


def test_a_period_ending_before_it_starts_is_refused(client, participants):
    agent = municipal_staff()
    agent.user_permissions.add(Permission.objects.get(codename="export_funder_reports"))
    client.force_login(agent)
    response = client.post(REPORTS, {"kind": "esf", "since": "2026-06-01", "until": "2026-01-01"})
    assert "La fin de la période doit suivre son début." in response.content.decode()
    assert not ExportJob.objects.exists()
