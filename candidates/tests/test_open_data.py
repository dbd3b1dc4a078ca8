"""The open data: what is counted, the files of a release (checked against their Table Schema), the
stable public URLs, the nightly job and the statistics page."""

import csv
import datetime
import io
import json

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from frictionless import Package

from candidates.models import Application, OpenDataRelease, OrganisationKind
from candidates.reporting import open_data
from candidates.tasks import publish_open_data
from candidates.tests.factories import (
    AdviserOrganisationFactory,
    AppointmentFactory,
    TraineeFollowUpFactory,
    application_in,
)
from candidates.workflow import Status
from programmes.models import Track
from programmes.tests.factories import ProgrammeFactory, SessionFactory, TrainingSiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def season(db):
    """Paris Code: 14 applications to a web developer session in Pantin (12 women), 3 eligible to a
    digital marketing session in Paris; an unpublished programme beside it."""
    programme = ProgrammeFactory(slug="paris-code", name="Paris Code", season="Saison 2")
    pantin = SessionFactory(
        programme=programme,
        track=Track.WEB_DEVELOPER,
        site=TrainingSiteFactory(name="Simplon Pantin", commune="Pantin", departement="93", postcode="93500"),
    )
    paris = SessionFactory(
        programme=programme,
        track=Track.DIGITAL_MARKETING,
        site=TrainingSiteFactory(name="Web@cadémie", commune="Paris", departement="75", postcode="75013"),
    )
    applications = [application_in(Status.ELIGIBLE, session=pantin, is_woman=n < 12) for n in range(11)]
    applications += [
        application_in(Status.ENROLLED, session=pantin, is_woman=True, screening_outcome="eligible") for _n in range(3)
    ]
    applications += [application_in(Status.ELIGIBLE, session=paris) for _n in range(3)]
    application_in(Status.DRAFT, session=pantin)
    hidden = ProgrammeFactory(slug="brouillon", is_published=False)
    application_in(Status.SUBMITTED, session=SessionFactory(programme=hidden))
    return {"programme": programme, "pantin": pantin, "paris": paris, "applications": applications}


def rows_of(files, name):
    return json.loads(next(f for f in files if f.name == name).content)


def row(rows, dimension, category):
    return next(r for r in rows if r["dimension"] == dimension and r["categorie"] == category)


def test_what_is_counted(season):
    """Drafts and unpublished programmes are left out; invited means an appointment (or the
    status); completed comes from the trainee's follow-up."""
    AppointmentFactory(application=season["applications"][0])
    TraineeFollowUpFactory(application=season["applications"][11], completed_training=True)
    tables, files = open_data.build(k=1)
    rows = rows_of(files, "paris-code.json")
    total = row(rows, "total", "total")
    assert (total["candidatures"], total["eligibles"], total["inscrits"]) == (17, 17, 3)
    assert total["convoques"] == 1
    assert total["places_proposees"] == 3
    assert total["formations_terminees"] == 1
    assert row(rows, "public_prioritaire", "women")["candidatures"] == 14
    assert [f.name for f in files if f.name.startswith("brouillon")] == []
    assert row(rows_of(files, "ensemble.json"), "programme", "paris-code")["candidatures"] == 17


def by_kind(rows):
    return {r["categorie"]: r["candidatures"] for r in rows}


def test_figures_by_type_of_orienting_organisation(season):
    """The applications oriented by an organisation count under its kind; the others under
    « aucune »; every kind has its line, zero or not."""
    agency = AdviserOrganisationFactory(kind=OrganisationKind.FRANCE_TRAVAIL, code="75119")
    for application in season["applications"][:2]:
        Application.objects.filter(pk=application.pk).update(oriented_by=agency)
    Application.objects.filter(pk=season["applications"][2].pk).update(oriented_by=AdviserOrganisationFactory())
    tables, files = open_data.build(k=1)
    rows = [r for r in rows_of(files, "paris-code.json") if r["dimension"] == "type_orienteur"]
    assert [r["categorie"] for r in rows] == [*OrganisationKind.values, "aucune"]
    counted = {kind: tables.values["candidatures"][("paris-code", "type_orienteur", kind)] for kind in by_kind(rows)}
    assert (counted["france_travail"], counted["mission_locale"], counted["aucune"]) == (2, 1, 14)
    assert sum(counted.values()) == 17
    # k=1 withholds the zeros, and whatever would give them away; the rest is published as counted.
    assert by_kind(rows)["cap_emploi"] is None
    assert all(value in (None, counted[kind]) for kind, value in by_kind(rows).items())
    assert row(rows, "type_orienteur", "france_travail")["libelle"] == "France Travail"


def test_figures_below_k_are_withheld_with_their_complements(season):
    tables, files = open_data.build(k=10)
    rows = rows_of(files, "paris-code.json")
    assert row(rows, "total", "total")["candidatures"] == 17
    # 3 in Paris: withheld; Pantin (14) as well, or 17 - 14 would give Paris away.
    assert row(rows, "departement", "75")["candidatures"] is None
    assert row(rows, "departement", "93")["candidatures"] is None
    # 14 women of 17 applicants: publishing 14 would say « 3 men ».
    assert row(rows, "public_prioritaire", "women")["candidatures"] is None
    for line in rows:
        for measure in open_data.MEASURES:
            assert line[measure] is None or line[measure] >= 10
    assert tables.suppressed_cells > 0


def test_a_release_is_valid_against_its_datapackage_and_carries_the_date_of_the_data(season, tmp_path):
    now = timezone.make_aware(datetime.datetime(2026, 12, 3, 2, 30))
    release = open_data.publish(now=now)
    names = set(release.files.values_list("name", flat=True))
    assert names == {
        "paris-code.csv",
        "paris-code.json",
        "ensemble.csv",
        "ensemble.json",
        "datapackage.json",
    }
    for stored in release.files.all():
        (tmp_path / stored.name).write_bytes(bytes(stored.content))
    package = Package(str(tmp_path / "datapackage.json"))
    assert package.validate().valid
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert descriptor["data_date"] == "2026-12-03"
    fields = descriptor["resources"][0]["schema"]["fields"]
    assert all(field.get("description") for field in fields)
    csv_rows = list(csv.DictReader(io.StringIO((tmp_path / "paris-code.csv").read_text())))
    assert {r["date_donnees"] for r in csv_rows} == {"2026-12-03"}
    assert row(csv_rows, "departement", "75")["candidatures"] == ""  # withheld: empty in CSV
    assert release.suppressed_cells > 0 and release.threshold == django_settings.OPEN_DATA_THRESHOLD


def test_publishing_is_once_a_day_and_keeps_a_month(season):
    start = timezone.make_aware(datetime.datetime(2026, 11, 1, 2, 30))
    first = open_data.publish(now=start)
    assert open_data.publish(now=start + datetime.timedelta(hours=1)).pk == first.pk
    assert open_data.publish(now=start + datetime.timedelta(hours=1), force=True).pk != first.pk
    for day in range(1, open_data.RELEASES_KEPT + 3):
        open_data.publish(now=start + datetime.timedelta(days=day))
    assert OpenDataRelease.objects.count() == open_data.RELEASES_KEPT
    assert open_data.latest_release().data_date == datetime.date(2026, 11, 1) + datetime.timedelta(
        days=open_data.RELEASES_KEPT + 2
    )


def test_the_nightly_job_is_scheduled_and_publishes(season):
    entry = django_settings.CELERY_BEAT_SCHEDULE["publish-open-data"]
    assert entry["task"] == publish_open_data.name
    publish_open_data.apply()
    assert OpenDataRelease.objects.filter(data_date=timezone.localdate()).count() == 1


def test_files_are_served_at_stable_urls_with_caching_and_cors(client, season):
    open_data.publish()
    response = client.get(reverse("candidates:open_data_file", args=["paris-code.csv"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.content.decode().startswith("date_donnees,programme,dimension")
    again = client.get(
        reverse("candidates:open_data_file", args=["paris-code.csv"]), HTTP_IF_NONE_MATCH=response["ETag"]
    )
    assert again.status_code == 304
    package = client.get(reverse("candidates:open_data_file", args=["datapackage.json"]))
    assert package.json()["resources"][0]["path"] == "paris-code.csv"
    for name in ("unknown.csv", "paris-code.xlsx", "..%2Fsettings.py"):
        assert client.get(f"/donnees-ouvertes/{name}").status_code == 404


def test_before_the_first_release_the_pages_say_so(client, db):
    assert client.get(reverse("candidates:open_data_file", args=["ensemble.csv"])).status_code == 404
    assert "pas encore publiés" in client.get(reverse("candidates:statistics")).content.decode()
    assert "pas encore publiées" in client.get(reverse("candidates:open_data")).content.decode()


@pytest.mark.parametrize(
    "role", ["anonymous", "candidate", "other_candidate", "own_centre_staff", "other_centre_staff", "municipal_staff"]
)
def test_the_public_pages_are_the_same_for_everyone(client, roles, season, role):
    open_data.publish()
    if roles[role] is not None:
        client.force_login(roles[role])
    for url in (
        reverse("candidates:statistics"),
        reverse("candidates:open_data"),
        reverse("candidates:open_data_file", args=["ensemble.json"]),
    ):
        assert client.get(url).status_code == 200
    assert client.post(reverse("candidates:statistics")).status_code == 405


def test_the_statistics_page_shows_only_published_figures_in_tables(client, season, django_assert_max_num_queries):
    open_data.publish()
    with django_assert_max_num_queries(8):
        response = client.get(reverse("candidates:statistics"), {"programme": "paris-code"})
    page = response.content.decode()
    assert "Données arrêtées au" in page
    assert "secret" in page
    assert '<td class="text-end">17</td>' in page  # the published total
    assert 'id="statistics-data"' in page and "funnel-chart" in page
    # An unknown scope shows all seasons.
    assert "Paris Code — Saison 2" in client.get(reverse("candidates:statistics"), {"programme": "x"}).content.decode()


def test_the_statistics_page_speaks_english(client, season):
    open_data.publish()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("candidates:statistics")).content.decode()
    assert "Programme figures" in page
    assert "Women" in page and "Developers" in page
