"""Which rules are in force for a session."""

import pytest

from programmes.eligibility import Rules
from programmes.models import EligibilityRuleSet
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_programme_current_version_applies_when_the_session_has_no_override():
    session = SessionFactory()
    EligibilityRuleSetFactory(programme=session.programme, version=1, is_current=False, max_age=30)
    current = EligibilityRuleSetFactory(programme=session.programme, version=2, max_age=25)
    EligibilityRuleSetFactory(programme=SessionFactory().programme, max_age=40)  # another programme

    assert EligibilityRuleSet.objects.current_for(session) == current


def test_session_override_comes_first():
    session = SessionFactory()
    EligibilityRuleSetFactory(programme=session.programme, max_age=25)
    override = EligibilityRuleSetFactory(programme=session.programme, session=session, max_age=30)
    other_session = SessionFactory(programme=session.programme)

    assert EligibilityRuleSet.objects.current_for(session) == override
    assert EligibilityRuleSet.objects.current_for(other_session).max_age == 25


def test_no_rules_yet():
    assert EligibilityRuleSet.objects.current_for(SessionFactory()) is None


def test_current_for_many_sessions_in_one_query(django_assert_num_queries):
    session = SessionFactory()
    programme_rules = EligibilityRuleSetFactory(programme=session.programme)
    overridden = SessionFactory(programme=session.programme)
    override = EligibilityRuleSetFactory(programme=session.programme, session=overridden)
    orphan = SessionFactory()

    with django_assert_num_queries(1):
        found = EligibilityRuleSet.objects.current_for_sessions([session, overridden, orphan])

    assert found == {session.pk: programme_rules, overridden.pk: override, orphan.pk: None}


def test_rules_from_a_rule_set_row():
    rule_set = EligibilityRuleSetFactory(
        min_age=18,
        max_age=25,
        allowed_departements=[" 93", "92"],
        allowed_communes=["Pantin", ""],
        priority_weights={"women": 10},
        qpv_policy="priority",
    )
    rules = Rules.from_rule_set(rule_set)
    assert (rules.min_age, rules.max_age, rules.version, rules.rule_set_id) == (18, 25, 1, rule_set.pk)
    assert rules.allowed_departements == ("93", "92")
    assert rules.allowed_communes == ("Pantin",)
    assert rules.weights == {"women": 10, "qpv_residents": 10}
