"""The open data: what the City may publish about its programmes, per programme season and for all.

Figures (applications, eligible, invited, offered a seat, enrolled, completed) by track family,
by département, commune and site of the training, by priority audience, by the type of the
organisation that oriented the candidate (France Travail, Mission locale…, or none) and in total;
the file of all seasons also has one line per season. Every figure below ``OPEN_DATA_THRESHOLD`` (k, 10 by
default) is withheld, and so is any other figure that would let someone recompute it
(``reporting.suppression``): the publication is suppressed as a whole, files together, because
the all-seasons file adds up the seasons' ones.

Three steps: ``collect()`` reads per-session counts (GROUP BY queries, whatever the number of
applications); ``tabulate()`` turns them into suppressed rows (pure: the property tests feed it
random seasons); ``publish()`` writes the CSV, JSON and ``datapackage.json`` files of a dated
release, checked against their Table Schema with frictionless before they are stored. The public
URLs (``candidates.views.open_data``) serve the latest release.
"""

import csv
import hashlib
import io
import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.text import slugify

from programmes.models import TRACK_FAMILIES, PriorityAudience, Programme, Session, Track, TrackFamily

from ..dashboard import AUDIENCES, OFFERED_STATUSES
from ..models import Application, Appointment, OpenDataFile, OpenDataRelease, OrganisationKind, ScreeningOutcome
from ..workflow import Status
from .suppression import Relation, protect

ALL = "ensemble"
DATAPACKAGE = "datapackage.json"
# Releases kept (one a night): a month of history.
RELEASES_KEPT = 31

# The measures, in funnel order: column name -> French title, description.
MEASURES = {
    "candidatures": ("Candidatures", "Candidatures envoyées (les brouillons ne comptent pas)."),
    "eligibles": ("Éligibles", "Candidatures dont la vérification d'éligibilité a conclu : éligible."),
    "convoques": (
        "Convoqués",
        "Candidats convoqués aux tests ou à un entretien de sélection.",
    ),
    "places_proposees": (
        "Places proposées",
        "Candidats à qui une place a été proposée (qu'ils l'aient acceptée ou non).",
    ),
    "inscrits": ("Inscrits", "Candidats entrés en formation."),
    "formations_terminees": (
        "Formations terminées",
        "Stagiaires qui ont suivi la formation jusqu'au bout (déclaré par le stagiaire ou le centre).",
    ),
}
INVITED_STATUSES = (Status.INVITED_TO_TEST, Status.INVITED_TO_INTERVIEW)

# Dimensions, in the order rows are written: code -> French title.
DIMENSIONS = {
    "total": "Total",
    "programme": "Programme et saison",
    "famille_metiers": "Famille de métiers",
    "departement": "Département du lieu de formation",
    "commune": "Commune du lieu de formation",
    "lieu": "Lieu de formation",
    "public_prioritaire": "Public prioritaire",
    "type_orienteur": "Type de structure d'orientation",
}
# The hidden complement of an audience (« not women »): never published, protected all the same.
NOT_IN_AUDIENCE = "hors_public_prioritaire"
AUDIENCE_CODES = tuple(audience.value for audience in AUDIENCES)
# Who oriented the candidate: a kind of organisation (its stable code), or nobody (applied alone).
NOT_ORIENTED = "aucune"
ORIENTATION_CODES = (*OrganisationKind.values, NOT_ORIENTED)


def threshold():
    return settings.OPEN_DATA_THRESHOLD


# --- Reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionFigures:
    """One session's counts, with where it belongs. ``counts[measure]`` is the measure's total;
    ``counts[(measure, audience)]`` the audience's part; ``oriented[(measure, kind)]`` the part
    oriented by an organisation of that kind (``NOT_ORIENTED``: by none), the parts adding up to
    the total."""

    programme: str
    track_family: str
    departement: str
    commune: str
    site: str
    counts: dict
    oriented: dict = field(default_factory=dict)


@dataclass
class Labels:
    """Labels of the categories that are data (programmes, places), by code."""

    programmes: dict = field(default_factory=dict)
    communes: dict = field(default_factory=dict)
    sites: dict = field(default_factory=dict)
    site_commune: dict = field(default_factory=dict)
    commune_departement: dict = field(default_factory=dict)


def commune_code(departement, commune):
    return f"{departement}-{slugify(commune)}"


def measure_conditions():
    """Each measure's condition on an application (the funders' reports count the same way)."""
    invited = Exists(
        Appointment.objects.filter(
            application=OuterRef("pk"), kind__in=[Appointment.Kind.TEST, Appointment.Kind.INTERVIEW]
        )
    )
    return {
        "candidatures": Q(),
        "eligibles": Q(screening_outcome=ScreeningOutcome.ELIGIBLE),
        "convoques": Q(invited) | Q(status__in=INVITED_STATUSES),
        "places_proposees": Q(status__in=OFFERED_STATUSES),
        "inscrits": Q(status=Status.ENROLLED),
        "formations_terminees": Q(follow_up__completed=True),
    }


def collect():
    """Every published programme's sessions with their counts, and the labels: two queries for
    the applications (grouped by session), one for the sessions."""
    groups = {None: Q(), **{audience.value: Q(**{flag: True}) for audience, flag in AUDIENCES.items()}}
    annotations = {}
    conditions = measure_conditions()
    for measure, condition in conditions.items():
        for audience, group in groups.items():
            name = measure if audience is None else f"{measure}__{audience}"
            annotations[name] = Count("pk", filter=condition & group)
    rows = (
        Application.objects.submitted()
        .filter(session__programme__is_published=True)
        .values("session")
        .annotate(**annotations)
        .order_by()
    )
    counts_by_session = {}
    for row in rows:
        session_id = row.pop("session")
        counts = {}
        for name, value in row.items():
            measure, _sep, audience = name.partition("__")
            counts[(measure, audience) if audience else measure] = value
        counts_by_session[session_id] = counts
    oriented_by_session = defaultdict(dict)
    rows = (
        Application.objects.submitted()
        .filter(session__programme__is_published=True)
        .values("session", "oriented_by__kind")
        .annotate(**{measure: Count("pk", filter=condition) for measure, condition in conditions.items()})
        .order_by()
    )
    for row in rows:
        session_id, kind = row.pop("session"), row.pop("oriented_by__kind") or NOT_ORIENTED
        for measure, value in row.items():
            oriented_by_session[session_id][(measure, kind)] = value

    labels = Labels()
    figures = []
    programmes = Programme.objects.published().filter(sessions__isnull=False).distinct().order_by("name", "season")
    for programme in programmes:
        labels.programmes[programme.slug] = (
            f"{programme.name} — {programme.season}" if programme.season else programme.name
        )
    sessions = (
        Session.objects.filter(programme__in=programmes)
        .select_related("programme", "site__provider")
        .only("track", "programme__slug", "site__name", "site__commune", "site__departement", "site__provider__slug")
        .order_by("pk")
    )
    for session in sessions:
        site = session.site
        departement = site.departement.upper()
        commune = commune_code(departement, site.commune)
        site_code = f"{site.provider.slug}--{slugify(site.name)}"
        labels.communes[commune] = site.commune
        labels.commune_departement[commune] = departement
        labels.sites[site_code] = site.name
        labels.site_commune[site_code] = commune
        family = TRACK_FAMILIES[Track(session.track)] if session.track in Track.values else TrackFamily.OTHER
        figures.append(
            SessionFigures(
                programme=session.programme.slug,
                track_family=family.value,
                departement=departement,
                commune=commune,
                site=site_code,
                counts=counts_by_session.get(session.pk, {}),
                oriented=oriented_by_session.get(session.pk, {}),
            )
        )
    return figures, labels


# --- Tabulating and suppressing ---------------------------------------------------------------


@dataclass
class Row:
    programme: str
    dimension: str
    category: str
    label: str
    parent: str
    cell: tuple  # the cell's key, the same for every measure


@dataclass
class Tables:
    """The rows of every file, with each measure's values and the cells it withholds."""

    scopes: list  # programme codes, then ALL
    rows: dict  # scope -> [Row]
    values: dict  # measure -> {cell: count}
    suppression: dict  # measure -> Suppression
    threshold: int

    def value(self, row, measure):
        """The published figure, or None when withheld."""
        if self.suppression[measure].is_hidden(row.cell):
            return None
        return self.values[measure][row.cell]

    @property
    def suppressed_cells(self):
        return sum(len(suppression.suppressed) for suppression in self.suppression.values())


def tabulate(figures, labels, *, k):
    """The suppressed tables of ``figures`` (SessionFigures): one set of rows per programme
    season and one for all (``ALL``)."""
    programmes = [code for code in labels.programmes if any(f.programme == code for f in figures)]
    scopes = [*programmes, ALL]
    by_scope = defaultdict(list)
    for figure in figures:
        by_scope[figure.programme].append(figure)
        by_scope[ALL].append(figure)

    # Which categories each scope shows: every family and audience; the places of its sessions.
    places = {scope: Places.of(by_scope[scope]) for scope in scopes}

    def key(scope, dimension, category):
        # The all-seasons file's « programme » lines are the seasons' totals: the same cells.
        if dimension == "programme":
            return (category, "total", "total")
        return (scope, dimension, category)

    rows = {}
    for scope in scopes:
        departements, communes, sites = places[scope].departements, places[scope].communes, places[scope].sites
        scope_rows = [Row(scope, "total", "total", "Total", "", key(scope, "total", "total"))]
        if scope == ALL:
            scope_rows += [
                Row(scope, "programme", code, labels.programmes[code], "", key(scope, "programme", code))
                for code in programmes
            ]
        scope_rows += [
            Row(scope, "famille_metiers", family.value, str(_french(family)), "", key(scope, "famille_metiers", family))
            for family in TrackFamily
        ]
        scope_rows += [Row(scope, "departement", d, d, "", key(scope, "departement", d)) for d in departements]
        scope_rows += [
            Row(scope, "commune", c, labels.communes[c], labels.commune_departement[c], key(scope, "commune", c))
            for c in communes
        ]
        scope_rows += [
            Row(scope, "lieu", s, labels.sites[s], labels.site_commune[s], key(scope, "lieu", s)) for s in sites
        ]
        scope_rows += [
            Row(
                scope,
                "public_prioritaire",
                a,
                str(_french(PriorityAudience(a))),
                "",
                key(scope, "public_prioritaire", a),
            )
            for a in AUDIENCE_CODES
        ]
        scope_rows += [
            Row(scope, "type_orienteur", o, _orientation_label(o), "", key(scope, "type_orienteur", o))
            for o in ORIENTATION_CODES
        ]
        rows[scope] = scope_rows

    relations = _relations(scopes, places, programmes)
    unpublished = frozenset((scope, NOT_IN_AUDIENCE, a) for scope in scopes for a in AUDIENCE_CODES)
    values, suppression = {}, {}
    for measure in MEASURES:
        cells = defaultdict(int)
        for figure in figures:
            total = figure.counts.get(measure, 0)
            for scope in (figure.programme, ALL):
                cells[(scope, "total", "total")] += total
                cells[(scope, "famille_metiers", figure.track_family)] += total
                cells[(scope, "departement", figure.departement)] += total
                cells[(scope, "commune", figure.commune)] += total
                cells[(scope, "lieu", figure.site)] += total
                for audience in AUDIENCE_CODES:
                    part = figure.counts.get((measure, audience), 0)
                    cells[(scope, "public_prioritaire", audience)] += part
                    cells[(scope, NOT_IN_AUDIENCE, audience)] += total - part
                for kind in ORIENTATION_CODES:
                    cells[(scope, "type_orienteur", kind)] += figure.oriented.get((measure, kind), 0)
        for relation in relations:
            for cell in relation.cells:
                cells.setdefault(cell, 0)
        values[measure] = dict(cells)
        suppression[measure] = protect(values[measure], relations, k=k, unpublished=unpublished)
    return Tables(scopes=scopes, rows=rows, values=values, suppression=suppression, threshold=k)


@dataclass(frozen=True)
class Places:
    """The places of a scope's sessions: départements, communes and sites, with their hierarchy."""

    communes_of: dict  # département -> communes
    sites_of: dict  # commune -> sites

    @classmethod
    def of(cls, figures):
        communes_of, sites_of = defaultdict(set), defaultdict(set)
        for figure in figures:
            communes_of[figure.departement].add(figure.commune)
            sites_of[figure.commune].add(figure.site)
        return cls(
            {d: sorted(c) for d, c in sorted(communes_of.items())},
            {c: sorted(s) for c, s in sorted(sites_of.items())},
        )

    @property
    def departements(self):
        return list(self.communes_of)

    @property
    def communes(self):
        return sorted(self.sites_of)

    @property
    def sites(self):
        return sorted(site for sites in self.sites_of.values() for site in sites)


def _relations(scopes, places, programmes):
    """How the cells add up: within each scope (families, départements, audiences and their
    complements add up to the total; communes to their département; sites to their commune) and
    across scopes (every figure of all seasons is the sum of the seasons')."""
    relations = []
    for scope in scopes:
        total = (scope, "total", "total")
        relations.append(Relation(total, tuple((scope, "famille_metiers", f.value) for f in TrackFamily)))
        relations.append(Relation(total, tuple((scope, "departement", d) for d in places[scope].departements)))
        relations.append(Relation(total, tuple((scope, "type_orienteur", o) for o in ORIENTATION_CODES)))
        for departement, communes in places[scope].communes_of.items():
            relations.append(
                Relation((scope, "departement", departement), tuple((scope, "commune", c) for c in communes))
            )
        for commune, sites in places[scope].sites_of.items():
            relations.append(Relation((scope, "commune", commune), tuple((scope, "lieu", s) for s in sites)))
        for audience in AUDIENCE_CODES:
            relations.append(
                Relation(total, ((scope, "public_prioritaire", audience), (scope, NOT_IN_AUDIENCE, audience)))
            )
    # Across scopes: each all-seasons cell is the sum of the same cell in the seasons showing it.
    across = defaultdict(list)
    for scope in programmes:
        categories = [
            ("total", "total"),
            *(("famille_metiers", f.value) for f in TrackFamily),
            *(("departement", d) for d in places[scope].departements),
            *(("commune", c) for c in places[scope].communes),
            *(("lieu", s) for s in places[scope].sites),
            *(("public_prioritaire", a) for a in AUDIENCE_CODES),
            *((NOT_IN_AUDIENCE, a) for a in AUDIENCE_CODES),
            *(("type_orienteur", o) for o in ORIENTATION_CODES),
        ]
        for dimension, category in categories:
            across[(dimension, category)].append((scope, dimension, category))
    for (dimension, category), parts in across.items():
        relations.append(Relation((ALL, dimension, category), tuple(parts)))
    return relations


def _orientation_label(code):
    if code == NOT_ORIENTED:
        return "Aucune (candidature sans structure d'orientation)"
    return _french(OrganisationKind(code))


def _french(choice):
    with translation.override("fr"):
        return str(choice.label)


# --- Files --------------------------------------------------------------------------------------

COMMON_FIELDS = [
    {
        "name": "date_donnees",
        "type": "date",
        "title": "Date des données",
        "description": "Jour où les chiffres ont été arrêtés (publication nocturne).",
        "constraints": {"required": True},
    },
    {
        "name": "programme",
        "type": "string",
        "title": "Programme et saison",
        "description": f"Identifiant du programme et de sa saison, ou « {ALL} » pour toutes les saisons réunies.",
        "constraints": {"required": True},
    },
    {
        "name": "dimension",
        "type": "string",
        "title": "Dimension",
        "description": "Ce que la ligne ventile : "
        + " ; ".join(f"« {code} » : {title.lower()}" for code, title in DIMENSIONS.items())
        + ".",
        "constraints": {"required": True, "enum": list(DIMENSIONS)},
    },
    {
        "name": "categorie",
        "type": "string",
        "title": "Catégorie",
        "description": "Code de la catégorie dans sa dimension (famille de métiers, numéro de département, "
        "département-commune, structure--lieu, public prioritaire, type de structure d'orientation — "
        f"« {NOT_ORIENTED} » pour les candidatures sans structure d'orientation —, programme) ; « total » "
        "pour la ligne du total.",
        "constraints": {"required": True},
    },
    {
        "name": "libelle",
        "type": "string",
        "title": "Libellé",
        "description": "Libellé de la catégorie, en français.",
        "constraints": {"required": True},
    },
    {
        "name": "parent",
        "type": "string",
        "title": "Catégorie parente",
        "description": "Pour une commune, son département ; pour un lieu, sa commune (code de la catégorie). "
        "Vide sinon. Les communes d'un département s'additionnent pour donner le département, les lieux "
        "d'une commune pour donner la commune.",
    },
]
SUPPRESSED_NOTE = (
    " Vide (null en JSON) : secret statistique — moins de {k} personnes, ou chiffre masqué pour qu'un "
    "chiffre de moins de {k} ne puisse pas être recalculé à partir des totaux."
)


def table_schema(k):
    """The Table Schema of every file (CSV and JSON have the same columns)."""
    measures = [
        {
            "name": name,
            "type": "integer",
            "title": title,
            "description": description + SUPPRESSED_NOTE.format(k=k),
            "constraints": {"minimum": 0},
        }
        for name, (title, description) in MEASURES.items()
    ]
    return {
        "fields": [*COMMON_FIELDS, *measures],
        "missingValues": [""],
        "primaryKey": ["programme", "dimension", "categorie"],
    }


def file_rows(tables, scope, data_date):
    """The rows of one file, as dicts in the schema's column order (None: withheld)."""
    for row in tables.rows[scope]:
        values = {
            "date_donnees": data_date.isoformat(),
            "programme": row.programme,
            "dimension": row.dimension,
            "categorie": row.category,
            "libelle": row.label,
            "parent": row.parent,
        }
        for measure in MEASURES:
            values[measure] = tables.value(row, measure)
        yield values


def render_csv(rows):
    buffer = io.StringIO()
    writer = None
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(buffer, fieldnames=list(row), lineterminator="\n")
            writer.writeheader()
        writer.writerow({name: "" if value is None else value for name, value in row.items()})
    return buffer.getvalue().encode("utf-8")


def render_json(rows):
    return json.dumps(list(rows), ensure_ascii=False, indent=1).encode("utf-8")


def file_stem(scope):
    return scope


def datapackage(tables, labels, *, data_date, created_at):
    schema = table_schema(tables.threshold)
    resources = []
    for scope in tables.scopes:
        title = "Toutes les saisons" if scope == ALL else labels.programmes[scope]
        for extension, media_type in (("csv", "text/csv"), ("json", "application/json")):
            resource = {
                "name": f"{slugify(scope)}-{extension}",
                "path": f"{file_stem(scope)}.{extension}",
                "title": f"{title} ({extension.upper()})",
                "format": extension,
                "mediatype": media_type,
                "encoding": "utf-8",
                "schema": schema,
            }
            if extension == "csv":
                resource["dialect"] = {"csv": {"delimiter": ","}}
            resources.append(resource)
    return {
        "name": "candidatures-formations-numeriques",
        "title": "Candidatures aux formations numériques financées par la Ville de Paris et ses partenaires",
        "description": (
            "Chiffres agrégés des candidatures, des entrées et des sorties de formation, par programme et saison "
            "et pour toutes les saisons réunies : par famille de métiers, par département, commune et lieu de "
            "formation, par public prioritaire, par type de structure d'orientation (France Travail, Mission "
            "locale…). Aucune donnée individuelle. Secret statistique : tout chiffre "
            f"inférieur à {tables.threshold} est masqué, ainsi que les chiffres qui permettraient de le "
            "recalculer."
        ),
        "created": created_at.isoformat(timespec="seconds"),
        "data_date": data_date.isoformat(),
        "licenses": [
            {
                "name": "etalab-2.0",
                "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
                "title": "Licence Ouverte / Open Licence version 2.0",
            }
        ],
        "resources": resources,
    }


@dataclass(frozen=True)
class BuiltFile:
    name: str
    media_type: str
    content: bytes


def build_files(tables, labels, *, data_date, created_at):
    """Every file of a release: per scope a CSV and a JSON, then the datapackage."""
    files = []
    for scope in tables.scopes:
        rows = list(file_rows(tables, scope, data_date))
        files.append(BuiltFile(f"{file_stem(scope)}.csv", "text/csv; charset=utf-8", render_csv(rows)))
        files.append(BuiltFile(f"{file_stem(scope)}.json", "application/json", render_json(rows)))
    descriptor = datapackage(tables, labels, data_date=data_date, created_at=created_at)
    files.append(
        BuiltFile(DATAPACKAGE, "application/json", json.dumps(descriptor, ensure_ascii=False, indent=1).encode())
    )
    return files


def validate(files):
    """Check every file against the datapackage with frictionless; raise ValueError on an error."""
    from frictionless import Package

    with tempfile.TemporaryDirectory() as directory:
        for built in files:
            (Path(directory) / built.name).write_bytes(built.content)
        package = Package(str(Path(directory) / DATAPACKAGE))
        report = package.validate()
        if not report.valid:
            errors = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
            errors += [error.message for error in report.errors]
            raise ValueError("open data does not match its schema: " + "; ".join(errors[:5]))


def build(*, k=None, data_date=None, now=None):
    """Read, tabulate, suppress and render: ``(tables, files)``, not stored."""
    now = now or timezone.now()
    data_date = data_date or timezone.localdate(now)
    figures, labels = collect()
    tables = tabulate(figures, labels, k=threshold() if k is None else k)
    return tables, build_files(tables, labels, data_date=data_date, created_at=now)


def publish(*, now=None, force=False):
    """Build, check and store today's release (the nightly job). Idempotent: a release of the day
    is left as is unless ``force``. Older releases beyond RELEASES_KEPT are deleted."""
    now = now or timezone.now()
    data_date = timezone.localdate(now)
    if not force and OpenDataRelease.objects.filter(data_date=data_date).exists():
        return OpenDataRelease.objects.get(data_date=data_date)
    tables, files = build(data_date=data_date, now=now)
    validate(files)
    with transaction.atomic():
        OpenDataRelease.objects.filter(data_date=data_date).delete()
        release = OpenDataRelease.objects.create(
            data_date=data_date,
            created_at=now,
            threshold=tables.threshold,
            suppressed_cells=tables.suppressed_cells,
        )
        OpenDataFile.objects.bulk_create(
            OpenDataFile(
                release=release,
                name=built.name,
                media_type=built.media_type,
                content=built.content,
                sha256=hashlib.sha256(built.content).hexdigest(),
            )
            for built in files
        )
        old = OpenDataRelease.objects.order_by("-data_date").values_list("pk", flat=True)[RELEASES_KEPT:]
        OpenDataRelease.objects.filter(pk__in=list(old)).delete()
    return release


def latest_release():
    return OpenDataRelease.objects.order_by("-data_date").first()


def released_rows(release, scope):
    """The rows of one file of a release (for the statistics page): the published JSON, read back."""
    stored = release.files.filter(name=f"{file_stem(scope)}.json").only("content").first()
    return json.loads(bytes(stored.content)) if stored else None
