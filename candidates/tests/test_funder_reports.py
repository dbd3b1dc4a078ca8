"""Funders' reports: the ESF participant indicators by gender (entry, exit, six months), built as
XLSX by the exports' task, for staff holding their own permission."""

import datetime

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from candidates import exports
from candidates.models import ExportJob, OrganisationKind
from candidates.reporting import funders
from candidates.tests.factories import AdviserOrganisationFactory, TraineeFollowUpFactory, application_in
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


@pytest.fixture
def oriented():
    """Paris Code applications: two France Travail agencies (Paris 19 oriented three, one enrolled
    and in employment six months after; Pantin one), a Mission locale's, a job seeker who applied
    alone, and an application to a session starting outside the period."""
    today = timezone.localdate()
    programme = ProgrammeFactory(name="Paris Code", season="Saison 3")
    session = SessionFactory(programme=programme, starts_on=today - datetime.timedelta(days=300))
    paris_19 = AdviserOrganisationFactory(
        name="France Travail Paris 19e", kind=OrganisationKind.FRANCE_TRAVAIL, code="75119", commune="Paris"
    )
    pantin = AdviserOrganisationFactory(
        name="France Travail Pantin", kind=OrganisationKind.FRANCE_TRAVAIL, code="93055", commune="Pantin"
    )
    trainee = application_in(
        Status.ENROLLED,
        session=session,
        oriented_by=paris_19,
        is_job_seeker=True,
        is_long_term_job_seeker=True,
        screening_outcome="eligible",
    )
    TraineeFollowUpFactory(
        application=trainee,
        completed_training=True,
        six_month_situation="employed",
        six_month_recorded_at=timezone.now(),
    )
    application_in(Status.ELIGIBLE, session=session, oriented_by=paris_19, is_job_seeker=True)
    application_in(Status.NOT_ELIGIBLE, session=session, oriented_by=paris_19)
    application_in(Status.DRAFT, session=session, oriented_by=paris_19)
    application_in(Status.ELIGIBLE, session=session, oriented_by=pantin, is_job_seeker=True)
    application_in(Status.ELIGIBLE, session=session, oriented_by=AdviserOrganisationFactory(), is_job_seeker=True)
    application_in(Status.SUBMITTED, session=session, is_job_seeker=True)
    application_in(Status.SUBMITTED, session=session)
    later = SessionFactory(programme=programme, starts_on=today + datetime.timedelta(days=100))
    application_in(Status.SUBMITTED, session=later, oriented_by=pantin, is_job_seeker=True)
    return {"programme": programme, "since": (today - datetime.timedelta(days=400)).isoformat(), "until": today}


def test_the_france_travail_report_per_agency_of_orientation(oriented):
    book = funders.france_travail_report(
        {"programme": oriented["programme"].pk, "since": oriented["since"], "until": oriented["until"].isoformat()}
    )
    agencies, notes = book.sheets()
    assert agencies.headers[:7] == [
        "Agence",
        "Code SAFIR",
        "Commune",
        "Candidatures",
        "dont demandeurs d'emploi",
        "dont demandeurs d'emploi de longue durée",
        "Éligibles",
    ]
    rows = {row[0]: row[1:] for row in agencies}
    columns = agencies.headers[1:]

    def line(name):
        return dict(zip(columns, rows[name], strict=True))

    paris = line("France Travail Paris 19e")
    assert (paris["Code SAFIR"], paris["Commune"]) == ("75119", "Paris")
    # The draft is not an application; the session starting after the period is left out.
    assert (paris["Candidatures"], paris["dont demandeurs d'emploi"]) == (3, 2)
    assert paris["dont demandeurs d'emploi de longue durée"] == 1
    assert (paris["Éligibles"], paris["Inscrits"], paris["Formations terminées"]) == (2, 1, 1)
    assert paris["En emploi six mois après la sortie (y compris indépendants)"] == 1
    assert line("France Travail Pantin")["Candidatures"] == 1
    assert line("Toutes les agences France Travail")["Candidatures"] == 4
    # Job seekers who came through a Mission locale or alone: two.
    assert line("Demandeurs d'emploi orientés par une autre structure ou venus seuls")["Candidatures"] == 2
    assert list(rows) == [
        "France Travail Pantin",  # by name
        "France Travail Paris 19e",
        "Toutes les agences France Travail",
        "Demandeurs d'emploi orientés par une autre structure ou venus seuls",
    ]
    assert "Paris Code" in str(notes.dict) and "Sessions commençant" in str(notes.dict)


def test_the_france_travail_report_through_the_export_task(client, oriented, django_capture_on_commit_callbacks):
    agent = municipal_staff()
    agent.user_permissions.add(Permission.objects.get(codename="export_funder_reports"))
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REPORTS, {"kind": "france_travail", "programme": "", "since": "", "until": ""})
    assert response.status_code == 302
    job = ExportJob.objects.get(requested_by=agent)
    assert (job.kind, job.format, job.state) == ("france_travail", "xlsx", ExportJob.State.READY)
    assert "rapport-france-travail-" in job.file.name
    workbook = openpyxl.load_workbook(job.file.path)
    assert workbook.sheetnames == ["Par agence", "Notes"]
    sheet = workbook["Par agence"]
    totals = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "Toutes les agences France Travail")
    assert totals[3] == 5  # every session this time, the later one's application included


def test_a_funder_report_is_refused_to_staff_without_the_permission_even_through_the_service(oriented):
    with pytest.raises(PermissionDenied):
        exports.request_funder_report(municipal_staff(), kind="france_travail", parameters={})
    assert not ExportJob.objects.exists()
