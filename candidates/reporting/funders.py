"""The funders' reports: aggregates for a funder, built by the exports' task as XLSX.

**ESF participant indicators** (European Social Fund, common indicators): among the participants
(trainees entered in training in the period), by gender:

- at entry (output indicators): employment status (unemployed — registered job seekers —,
  long-term unemployed, inactive, employed), age band, education level (ISCED, mapped from the
  French qualification levels), disadvantaged situations (disability: RQTH; living in a priority
  neighbourhood: QPV; minimum income: RSA);
- on leaving (result indicators): training followed to the end, in education or training, gaining
  a qualification, in employment (self-employment included), job searching;
- six months after leaving (longer-term result indicators): in employment (self-employment
  included), in education or training.

The entry figures come from each trainee's follow-up, fixed at enrolment (so they survive the
candidate's anonymisation); the results from the follow-up's answers (the trainee's form or the
centre's record). One query per sheet, grouped by gender, whatever the number of trainees.

**France Travail, per agency of orientation**: for the applications to sessions starting in the
period, one line per France Travail agency that oriented at least one (its SAFIR code, from the
orienting organisations of ``candidates.advisers``), then the agencies together, and the
registered job seekers who came through another organisation or alone: applications (job seekers,
long-term among them), then the open data's funnel (eligible, invited, offered, enrolled,
completed — counted as ``open_data.measure_conditions`` says), and the trainees in employment
six months after leaving. One GROUP BY query for the agencies, one for the rest.
"""

import datetime

import tablib
from django.db.models import Count, Q
from django.utils import timezone

from programmes.models import Programme

from ..models import Application, OrganisationKind, Situation, TraineeFollowUp
from .open_data import MEASURES, measure_conditions

GENDERS = (("woman", "Femmes"), ("man", "Hommes"), ("other", "Autres ou non précisé"))
EMPLOYED = (Situation.EMPLOYED, Situation.SELF_EMPLOYED)

# French qualification levels (programmes.QualificationLevel) -> ISCED 2011 groups of the ESF:
# no diploma (below CAP) is lower secondary at most; CAP/BEP and the baccalauréat are upper
# secondary; bac+2 (BTS, DUT) is short-cycle tertiary, then bachelor, master, doctorate.
ISCED_GROUPS = {
    "CITE 0 à 2 (sans diplôme, brevet)": (0, 1, 2),
    "CITE 3 et 4 (CAP, BEP, baccalauréat)": (3, 4),
    "CITE 5 à 8 (bac+2 et au-delà)": (5, 6, 7, 8),
}

ENTRY_INDICATORS = [
    ("Participants", Q()),
    ("Chômeurs, y compris de longue durée (demandeurs d'emploi)", Q(entry_situation=Situation.JOB_SEEKING)),
    ("Chômeurs de longue durée (inscrits depuis 12 mois ou plus)", Q(long_term_unemployed=True)),
    ("Inactifs", Q(entry_situation__in=(Situation.INACTIVE, Situation.IN_TRAINING))),
    ("Inactifs ne suivant ni études ni formation", Q(entry_situation=Situation.INACTIVE)),
    ("Personnes exerçant un emploi, y compris les indépendants", Q(entry_situation__in=EMPLOYED)),
    ("Situation à l'entrée non renseignée", Q(entry_situation="")),
    ("Moins de 18 ans", Q(age_band="under_18")),
    ("18 à 29 ans", Q(age_band__in=("18_24", "25_29"))),
    ("dont moins de 25 ans", Q(age_band__in=("under_18", "18_24"))),
    ("30 à 54 ans", Q(age_band="30_54")),
    ("55 ans et plus", Q(age_band="55_plus")),
    ("Âge non renseigné", Q(age_band="")),
    *((label, Q(qualification_level__in=levels)) for label, levels in ISCED_GROUPS.items()),
    ("Niveau d'études non renseigné", Q(qualification_level__isnull=True)),
    ("Personnes handicapées (RQTH)", Q(application__has_rqth=True)),
    ("Habitants d'un quartier prioritaire de la politique de la ville", Q(application__is_qpv_resident=True)),
    ("Allocataires d'un minimum social (RSA)", Q(application__receives_rsa=True)),
    (
        "Au moins une situation défavorisée (RQTH, QPV ou RSA)",
        Q(application__has_rqth=True) | Q(application__is_qpv_resident=True) | Q(application__receives_rsa=True),
    ),
]
EXIT_INDICATORS = [
    ("Participants sortis", Q()),
    ("Sortie renseignée", Q(exit_recorded_at__isnull=False)),
    ("Formation suivie jusqu'au bout", Q(completed=True)),
    ("Participants suivant des études ou une formation à la sortie", Q(exit_situation=Situation.IN_TRAINING)),
    ("Participants obtenant une qualification au terme de leur participation", Q(qualification="obtained")),
    (
        "Participants exerçant un emploi, y compris indépendant, au terme de leur participation",
        Q(exit_situation__in=EMPLOYED),
    ),
    ("Participants à la recherche d'un emploi au terme de leur participation", Q(exit_situation=Situation.JOB_SEEKING)),
]
SIX_MONTH_INDICATORS = [
    ("Participants sortis depuis six mois ou plus", Q()),
    ("Situation à six mois renseignée", Q(six_month_recorded_at__isnull=False)),
    (
        "Participants exerçant un emploi, y compris indépendant, six mois après la fin de leur participation",
        Q(six_month_situation__in=EMPLOYED),
    ),
    ("dont à leur compte (indépendants)", Q(six_month_situation=Situation.SELF_EMPLOYED)),
    ("Participants suivant des études ou une formation six mois après", Q(six_month_situation=Situation.IN_TRAINING)),
]
SIX_MONTHS = datetime.timedelta(days=182)


def in_scope(queryset, parameters, *, programme, day):
    """``queryset`` narrowed to a report's scope: ``programme`` (a primary key, optional) through
    the lookup ``programme``, and ``day`` (a date lookup) from ``since`` to ``until`` (ISO dates,
    optional)."""
    if parameters.get("programme"):
        queryset = queryset.filter(**{programme: parameters["programme"]})
    if parameters.get("since"):
        queryset = queryset.filter(**{f"{day}__gte": parameters["since"]})
    if parameters.get("until"):
        queryset = queryset.filter(**{f"{day}__lte": parameters["until"]})
    return queryset


def participants(parameters):
    """The follow-ups of the trainees who entered training in a report's scope."""
    return in_scope(
        TraineeFollowUp.objects.all(), parameters, programme="application__session__programme_id", day="entered_on"
    )


def _gender_bucket():
    return {
        "woman": Q(gender="woman"),
        "man": Q(gender="man"),
        "other": ~Q(gender__in=("woman", "man")),
    }


def indicator_rows(queryset, indicators):
    """``[(label, women, men, other, total)]``: one GROUP-free query, conditional counts."""
    buckets = _gender_bucket()
    annotations = {}
    for number, (_label, condition) in enumerate(indicators):
        for gender, bucket in buckets.items():
            annotations[f"i{number}_{gender}"] = Count("pk", filter=condition & bucket)
    counts = queryset.aggregate(**annotations)
    rows = []
    for number, (label, _condition) in enumerate(indicators):
        values = [counts[f"i{number}_{gender}"] for gender, _title in GENDERS]
        rows.append((label, *values, sum(values)))
    return rows


def _sheet(title, rows):
    sheet = tablib.Dataset(title=title, headers=["Indicateur", *(title for _g, title in GENDERS), "Total"])
    for row in rows:
        sheet.append(row)
    return sheet


def esf_report(parameters, *, today=None):
    """The ESF participant indicators as a tablib Databook (sheets: entry, exit, six months, notes)."""
    today = today or timezone.localdate()
    scope = participants(parameters)
    left = scope.left_before(today + datetime.timedelta(days=1))
    left_six_months_ago = scope.left_before(today - SIX_MONTHS + datetime.timedelta(days=1))
    book = tablib.Databook()
    book.add_sheet(_sheet("À l'entrée", indicator_rows(scope, ENTRY_INDICATORS)))
    book.add_sheet(_sheet("À la sortie", indicator_rows(left, EXIT_INDICATORS)))
    book.add_sheet(_sheet("Six mois après", indicator_rows(left_six_months_ago, SIX_MONTH_INDICATORS)))
    book.add_sheet(_notes(parameters, today))
    return book


def _scope_notes(parameters, today, *, period):
    """The « Notes » sheet's first lines: the programme, the period, the date of the data."""
    programme = (
        Programme.objects.filter(pk=parameters.get("programme")).first() if parameters.get("programme") else None
    )
    notes = tablib.Dataset(title="Notes", headers=["Rubrique", "Valeur"])
    notes.append(("Programme", f"{programme} — {programme.season}" if programme else "Tous les programmes"))
    notes.append((period, f"du {parameters.get('since') or '—'} au {parameters.get('until') or '—'}"))
    notes.append(("Données arrêtées au", today.isoformat()))
    return notes


def _notes(parameters, today):
    notes = _scope_notes(parameters, today, period="Entrées en formation")
    notes.append(("Participants", "Stagiaires entrés en formation (inscrits) dans la période."))
    notes.append(
        (
            "Situation à l'entrée",
            "Fixée à l'inscription : demandeur d'emploi si inscrit à France Travail ; sinon renseignée "
            "par le centre de formation. Chômeur de longue durée : inscrit depuis 12 mois ou plus.",
        )
    )
    notes.append(
        (
            "Niveau d'études (CITE 2011)",
            "; ".join(
                f"{label} : niveaux français {', '.join(map(str, levels))}" for label, levels in ISCED_GROUPS.items()
            )
            + " (0 = sans diplôme).",
        )
    )
    notes.append(
        (
            "Sortie et six mois",
            "Réponses des stagiaires au questionnaire envoyé à la sortie et six mois après, ou saisie du "
            "centre de formation (qui prévaut). Sortie : date renseignée par le centre, sinon fin de la session.",
        )
    )
    return notes


# --- France Travail, per agency of orientation --------------------------------------------------

FRANCE_TRAVAIL_COLUMNS = {
    "candidatures": "Candidatures",
    "demandeurs_emploi": "dont demandeurs d'emploi",
    "demandeurs_emploi_longue_duree": "dont demandeurs d'emploi de longue durée",
    **{measure: title for measure, (title, _description) in MEASURES.items() if measure != "candidatures"},
    "en_emploi_6_mois": "En emploi six mois après la sortie (y compris indépendants)",
}


def _france_travail_counts():
    conditions = measure_conditions()
    return {
        **{measure: Count("pk", filter=condition) for measure, condition in conditions.items()},
        "demandeurs_emploi": Count("pk", filter=Q(is_job_seeker=True)),
        "demandeurs_emploi_longue_duree": Count("pk", filter=Q(is_long_term_job_seeker=True)),
        "en_emploi_6_mois": Count("pk", filter=Q(follow_up__six_month_situation__in=EMPLOYED)),
    }


def applications_in_scope(parameters):
    """Submitted applications to the sessions starting in a report's scope."""
    return in_scope(
        Application.objects.submitted(), parameters, programme="session__programme_id", day="session__starts_on"
    )


def france_travail_report(parameters, *, today=None):
    """Applications and what became of them, per France Travail agency of orientation (tablib
    Databook: the agencies, then the notes)."""
    today = today or timezone.localdate()
    scope = applications_in_scope(parameters)
    counts = _france_travail_counts()
    agencies = (
        scope.filter(oriented_by__kind=OrganisationKind.FRANCE_TRAVAIL)
        .values("oriented_by", "oriented_by__name", "oriented_by__code", "oriented_by__commune")
        .annotate(**counts)
        .order_by("oriented_by__name", "oriented_by")
    )
    others = scope.exclude(oriented_by__kind=OrganisationKind.FRANCE_TRAVAIL).filter(is_job_seeker=True)
    sheet = tablib.Dataset(
        title="Par agence", headers=["Agence", "Code SAFIR", "Commune", *FRANCE_TRAVAIL_COLUMNS.values()]
    )
    totals = dict.fromkeys(FRANCE_TRAVAIL_COLUMNS, 0)
    for agency in agencies:
        sheet.append(
            [
                agency["oriented_by__name"],
                agency["oriented_by__code"],
                agency["oriented_by__commune"],
                *(agency[column] for column in FRANCE_TRAVAIL_COLUMNS),
            ]
        )
        for column in FRANCE_TRAVAIL_COLUMNS:
            totals[column] += agency[column]
    sheet.append(["Toutes les agences France Travail", "", "", *totals.values()])
    not_oriented = others.aggregate(**counts)
    sheet.append(
        [
            "Demandeurs d'emploi orientés par une autre structure ou venus seuls",
            "",
            "",
            *(not_oriented[column] for column in FRANCE_TRAVAIL_COLUMNS),
        ]
    )
    book = tablib.Databook()
    book.add_sheet(sheet)
    book.add_sheet(_france_travail_notes(parameters, today))
    return book


def _france_travail_notes(parameters, today):
    notes = _scope_notes(parameters, today, period="Sessions commençant")
    notes.append(
        (
            "Agence d'orientation",
            "Agence France Travail dont un conseiller a préparé la candidature avec la personne (organisations "
            "d'orientation du portail ; le code SAFIR est saisi par l'équipe municipale).",
        )
    )
    notes.append(
        (
            "Demandeurs d'emploi",
            "Inscrits à France Travail au moment de la candidature (déclaré par le candidat, vérifiable par un "
            "justificatif) ; longue durée : inscrits depuis 12 mois ou plus.",
        )
    )
    for measure, (title, description) in MEASURES.items():
        if measure != "candidatures":
            notes.append((title, description))
    notes.append(
        (
            "En emploi six mois après la sortie",
            "Réponse du stagiaire au questionnaire envoyé six mois après la sortie, ou saisie du centre de formation.",
        )
    )
    return notes


REPORTS = {"esf": esf_report, "france_travail": france_travail_report}


def file_name(kind, parameters, created_at):
    stem = {"esf": "indicateurs-fse", "france_travail": "rapport-france-travail"}[kind]
    return f"{stem}-{timezone.localtime(created_at):%Y%m%d-%H%M}.xlsx"
