"""The demo programmes' eligibility rules (load_demo hook)."""

import datetime

import pytest

from programmes import demo_rules
from programmes.eligibility import Answers, Rules, evaluate
from programmes.models import EligibilityRuleSet
from programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


def test_demo_rules_are_loaded_once_and_versioned_when_they_change():
    for slug in demo_rules.DEMO_RULES:
        ProgrammeFactory(slug=slug)

    demo_rules.load()
    demo_rules.load()

    assert EligibilityRuleSet.objects.count() == 3
    assert set(EligibilityRuleSet.objects.values_list("version", "is_current")) == {(1, True)}

    EligibilityRuleSet.objects.filter(programme__slug="pop-school").update(max_age=30)
    demo_rules.load()
    pop = EligibilityRuleSet.objects.get(programme__slug="pop-school", is_current=True)
    assert (pop.version, pop.max_age) == (2, 25)


def test_demo_rules_read_as_the_programmes_describe_them():
    ProgrammeFactory(slug="ecoles-du-web")
    ProgrammeFactory(slug="paris-code")
    demo_rules.load()
    start = datetime.date(2026, 9, 1)
    web = Rules.from_rule_set(EligibilityRuleSet.objects.get(programme__slug="ecoles-du-web"))
    paris = Rules.from_rule_set(EligibilityRuleSet.objects.get(programme__slug="paris-code"))
    young_in_93 = Answers(birth_date=datetime.date(2004, 1, 1), qualification_level=4, postcode="93500", gender="woman")

    assert evaluate(web, young_in_93, session_start=start).outcome == "eligible"
    assert evaluate(
        web, Answers(**{**young_in_93.to_dict(), "qualification_level": 5}), session_start=start
    ).outcome == ("not_eligible")
    senior_job_seeker = Answers(
        birth_date=datetime.date(1970, 1, 1), postcode="75019", is_job_seeker=True, lives_in_qpv=True, has_rqth=True
    )
    result = evaluate(paris, senior_job_seeker, session_start=start)
    assert result.outcome == "eligible"
    assert result.priority_score == 15 + 15 + 10  # 50 and over, QPV, RQTH
