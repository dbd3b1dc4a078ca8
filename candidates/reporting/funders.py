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
"""

import datetime

import tablib
from django.db.models import Count, Q
from django.utils import timezone

from programmes.models import Programme

from ..models import Situation, TraineeFollowUp

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


def participants(parameters):
    """The follow-ups in a report's scope: ``programme`` (a primary key, optional), entries from
    ``since`` to ``until`` (ISO dates, optional)."""
    queryset = TraineeFollowUp.objects.all()
    if parameters.get("programme"):
        queryset = queryset.filter(application__session__programme_id=parameters["programme"])
    if parameters.get("since"):
        queryset = queryset.filter(entered_on__gte=parameters["since"])
    if parameters.get("until"):
        queryset = queryset.filter(entered_on__lte=parameters["until"])
    return queryset


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


def _notes(parameters, today):
    programme = (
        Programme.objects.filter(pk=parameters.get("programme")).first() if parameters.get("programme") else None
    )
    notes = tablib.Dataset(title="Notes", headers=["Rubrique", "Valeur"])
    notes.append(("Programme", f"{programme} — {programme.season}" if programme else "Tous les programmes"))
    notes.append(("Entrées en formation", f"du {parameters.get('since') or '—'} au {parameters.get('until') or '—'}"))
    notes.append(("Données arrêtées au", today.isoformat()))
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


REPORTS = {"esf": esf_report}


def file_name(kind, parameters, created_at):
    stem = {"esf": "indicateurs-fse", "france_travail": "rapport-france-travail"}[kind]
    return f"{stem}-{timezone.localtime(created_at):%Y%m%d-%H%M}.xlsx"
