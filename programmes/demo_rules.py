"""Demo eligibility rules for the three demo programmes (called by ``load_demo``; idempotent:
a new version is saved only when the demo rules differ from the current ones)."""

from .models import EligibilityRuleSet, Programme, QpvPolicy, QualificationLevel
from .rules import save_new_version

ILE_DE_FRANCE = ["75", "77", "78", "91", "92", "93", "94", "95"]

DEMO_RULES = {
    # 18–25-year-olds, selected on social criteria and motivation.
    "pop-school": {
        "min_age": 18,
        "max_age": 25,
        "qpv_policy": QpvPolicy.PRIORITY,
        "priority_weights": {"under_26_without_diploma": 20, "job_seekers": 10, "women": 10, "qpv_residents": 10},
        "comment": "POP School : 18-25 ans, demandeurs d'emploi et personnes sans qualification en priorité.",
    },
    # Mostly under 26 with at most the baccalauréat, in the départements of the sites.
    "ecoles-du-web": {
        "min_age": 18,
        "max_age": 25,
        "max_qualification_level": QualificationLevel.LEVEL_4,
        "allowed_departements": ["77", "78", "91", "92", "93", "94", "95"],
        "qpv_policy": QpvPolicy.PRIORITY,
        "priority_weights": {"women": 15, "qpv_residents": 20, "under_26_without_diploma": 15},
        "comment": "Écoles du Web : moins de 26 ans, au plus le baccalauréat, habitants des départements des sites.",
    },
    # Job seekers of Île-de-France, with Paris Code's priority audiences.
    "paris-code": {
        "min_age": 18,
        "job_seeker_required": True,
        "allowed_departements": ILE_DE_FRANCE,
        "qpv_policy": QpvPolicy.PRIORITY,
        "priority_weights": {
            "women": 15,
            "under_26_without_diploma": 20,
            "aged_50_plus": 15,
            "qpv_residents": 15,
            "rsa_recipients": 10,
            "rqth": 10,
            "long_term_job_seekers": 10,
        },
        "comment": "Paris Code saison 2 : demandeurs d'emploi franciliens ; publics prioritaires de la Ville.",
    },
}

FIELDS = (
    "min_age",
    "max_age",
    "max_qualification_level",
    "job_seeker_required",
    "min_job_seeker_months",
    "allowed_departements",
    "allowed_communes",
    "qpv_policy",
    "priority_weights",
)


def load():
    for slug, spec in DEMO_RULES.items():
        programme = Programme.objects.filter(slug=slug).first()
        if programme is None:
            continue
        wanted = EligibilityRuleSet(programme=programme, **spec)
        current = EligibilityRuleSet.objects.filter(programme=programme, session__isnull=True, is_current=True).first()
        if current is not None and all(getattr(current, f) == getattr(wanted, f) for f in FIELDS):
            continue
        save_new_version(wanted)
