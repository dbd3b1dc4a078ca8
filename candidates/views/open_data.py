"""The open data's public pages: the files of the latest release at stable URLs, and the statistics
page that shows the same suppressed figures as charts, each with its table. Nobody needs to log in,
and nothing here is ever about a person: every figure comes from the published files."""

import re

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from programmes.models import PriorityAudience, TrackFamily

from ..models import OrganisationKind
from ..reporting import open_data
from ..reporting.open_data import NOT_ORIENTED

FILE_NAME = re.compile(r"^(?:[a-z0-9-]+\.(?:csv|json)|datapackage\.json)$")

# The measures, in the reader's language (the files' column titles are French).
MEASURE_LABELS = {
    "candidatures": _("Candidatures"),
    "eligibles": _("Éligibles"),
    "convoques": _("Convoqués aux tests ou à un entretien"),
    "places_proposees": _("Places proposées"),
    "inscrits": _("Entrés en formation"),
    "formations_terminees": _("Formations terminées"),
}


@require_safe
def open_data_file(request, name):
    """One file of the latest release: CSV, JSON or the datapackage, at a URL that stays the same
    from one night to the next."""
    if not FILE_NAME.match(name):
        raise Http404
    release = open_data.latest_release()
    stored = release and release.files.filter(name=name).first()
    if stored is None:
        raise Http404
    etag = quote_etag(stored.sha256)
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified()
    response = HttpResponse(bytes(stored.content), content_type=stored.media_type)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(release.created_at.timestamp())
    response["Cache-Control"] = "public, max-age=3600"
    # Open data: any site may fetch it from a browser.
    response["Access-Control-Allow-Origin"] = "*"
    if name != open_data.DATAPACKAGE:
        response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_safe
def open_data_index(request):
    """What is published, where, under which licence, and the date of the data."""
    release = open_data.latest_release()
    files = list(release.files.order_by("name").values_list("name", flat=True)) if release else []
    scopes = _scopes(release)
    return render(
        request,
        "candidates/open_data.html",
        {"release": release, "files": files, "scopes": scopes, "all_scope": open_data.ALL},
    )


def _scopes(release):
    """(code, label) of the scopes a release has a file for: every season, then all."""
    if release is None:
        return []
    rows = open_data.released_rows(release, open_data.ALL) or []
    seasons = [(row["categorie"], row["libelle"]) for row in rows if row["dimension"] == "programme"]
    return [*seasons, (open_data.ALL, _("Toutes les saisons"))]


@require_safe
def statistics(request):
    """The published figures of one season (or all), as charts with their tables."""
    release = open_data.latest_release()
    scopes = _scopes(release)
    codes = [code for code, _label in scopes]
    scope = request.GET.get("programme") or open_data.ALL
    if scope not in codes:
        scope = open_data.ALL
    rows = open_data.released_rows(release, scope) if release else None
    context = {
        "release": release,
        "scopes": scopes,
        "scope": scope,
        "scope_label": dict(scopes).get(scope, ""),
        "measures": [{"code": code, "label": label} for code, label in MEASURE_LABELS.items()],
    }
    if rows:
        context.update(_tables(rows))
        context["chart_data"] = _chart_data(context)
    return render(request, "candidates/statistics.html", context)


def _label(row):
    """A category's label in the reader's language where the portal knows it (families,
    audiences); places and programmes are names."""
    if row["dimension"] == "famille_metiers" and row["categorie"] in TrackFamily.values:
        return TrackFamily(row["categorie"]).label
    if row["dimension"] == "public_prioritaire" and row["categorie"] in PriorityAudience.values:
        return PriorityAudience(row["categorie"]).label
    if row["dimension"] == "type_orienteur":
        if row["categorie"] in OrganisationKind.values:
            return OrganisationKind(row["categorie"]).label
        if row["categorie"] == NOT_ORIENTED:
            return _("Aucune : candidature faite seul")
    return row["libelle"]


def _line(row):
    return {
        "code": row["categorie"],
        "label": _label(row),
        "parent": row["parent"],
        "values": [row[code] for code in MEASURE_LABELS],
        **{code: row[code] for code in MEASURE_LABELS},
    }


def _tables(rows):
    by_dimension = {}
    for row in rows:
        by_dimension.setdefault(row["dimension"], []).append(_line(row))
    total = by_dimension.get("total", [None])[0]
    audiences = []
    for line in by_dimension.get("public_prioritaire", []):
        audiences.append(
            {
                **line,
                "share_applications": _share(line["candidatures"], total and total["candidatures"]),
                "share_enrolled": _share(line["inscrits"], total and total["inscrits"]),
            }
        )
    return {
        "data_date": rows[0]["date_donnees"],
        "total": total,
        "funnel": [
            {"code": code, "label": label, "value": total[code] if total else None}
            for code, label in MEASURE_LABELS.items()
        ],
        "programmes": by_dimension.get("programme", []),
        "families": by_dimension.get("famille_metiers", []),
        "departements": by_dimension.get("departement", []),
        "communes": by_dimension.get("commune", []),
        "sites": by_dimension.get("lieu", []),
        "orientations": by_dimension.get("type_orienteur", []),
        "audiences": audiences,
    }


def _share(part, whole):
    if part is None or not whole:
        return None
    return round(100 * part / whole, 1)


def _chart_data(context):
    """What static/js/statistics.js draws; a withheld figure is null (no bar)."""
    return {
        "funnel": {
            "labels": [str(step["label"]) for step in context["funnel"]],
            "values": [step["value"] for step in context["funnel"]],
            "label": str(_("Personnes")),
        },
        "families": {
            "labels": [str(line["label"]) for line in context["families"]],
            "applications": [line["candidatures"] for line in context["families"]],
            "enrolled": [line["inscrits"] for line in context["families"]],
            "applications_label": str(MEASURE_LABELS["candidatures"]),
            "enrolled_label": str(MEASURE_LABELS["inscrits"]),
        },
        "audiences": {
            "labels": [str(line["label"]) for line in context["audiences"]],
            "applications": [line["share_applications"] for line in context["audiences"]],
            "enrolled": [line["share_enrolled"] for line in context["audiences"]],
            "applications_label": str(_("Part des candidatures (%)")),
            "enrolled_label": str(_("Part des entrées en formation (%)")),
        },
        "departements": {
            "labels": [str(line["label"]) for line in context["departements"]],
            "applications": [line["candidatures"] for line in context["departements"]],
            "label": str(MEASURE_LABELS["candidatures"]),
        },
    }
