"""The pure rules engine: every criterion's boundaries, table-driven, and its properties."""

import datetime

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from programmes import eligibility
from programmes.eligibility import Answers, Rules, evaluate

START = datetime.date(2026, 9, 1)  # the session's first day

COMPLETE = {
    "birth_date": datetime.date(2003, 5, 17),
    "gender": "woman",
    "postcode": "93500",
    "commune": "Pantin",
    "lives_in_qpv": True,
    "is_job_seeker": True,
    "job_seeker_since": datetime.date(2024, 9, 1),
    "qualification_level": 4,
    "receives_rsa": False,
    "has_rqth": False,
}


def answers(**overrides):
    return Answers(**{**COMPLETE, **overrides})


def check(rules, code, **overrides):
    result = evaluate(rules, answers(**overrides), session_start=START)
    return result.outcome, result.criterion(code)


# (rules, answers overrides, expected outcome, expected reason code) — one line per boundary.
CASES = {
    # Age on the session's first day, max 25 inclusive ("under 26").
    "26th birthday the day before the start": (
        Rules(max_age=25),
        {"birth_date": datetime.date(2000, 8, 31)},
        "not_eligible",
        "age.too_old",
    ),
    "26th birthday on the start day": (
        Rules(max_age=25),
        {"birth_date": datetime.date(2000, 9, 1)},
        "not_eligible",
        "age.too_old",
    ),
    "26th birthday the day after the start": (
        Rules(max_age=25),
        {"birth_date": datetime.date(2000, 9, 2)},
        "eligible",
        "age.ok",
    ),
    "18th birthday on the start day": (
        Rules(min_age=18),
        {"birth_date": datetime.date(2008, 9, 1)},
        "eligible",
        "age.ok",
    ),
    "18th birthday the day after the start": (
        Rules(min_age=18),
        {"birth_date": datetime.date(2008, 9, 2)},
        "not_eligible",
        "age.too_young",
    ),
    "birth date missing": (Rules(min_age=18), {"birth_date": None}, "to_be_checked", "age.missing"),
    "birth date after the start": (
        Rules(min_age=18),
        {"birth_date": datetime.date(2027, 1, 1)},
        "to_be_checked",
        "age.invalid",
    ),
    # Highest qualification allowed: baccalauréat (level 4).
    "baccalauréat with max baccalauréat": (
        Rules(max_qualification_level=4),
        {"qualification_level": 4},
        "eligible",
        "qualification.ok",
    ),
    "bac+2 with max baccalauréat": (
        Rules(max_qualification_level=4),
        {"qualification_level": 5},
        "not_eligible",
        "qualification.too_high",
    ),
    "no diploma with max baccalauréat": (
        Rules(max_qualification_level=4),
        {"qualification_level": 0},
        "eligible",
        "qualification.ok",
    ),
    "qualification missing": (
        Rules(max_qualification_level=4),
        {"qualification_level": None},
        "to_be_checked",
        "qualification.missing",
    ),
    # Job-seeker registration, at least 12 months at the start (the certificate proves it).
    "registered 11 months": (
        Rules(job_seeker_required=True, min_job_seeker_months=12),
        {"job_seeker_since": datetime.date(2025, 10, 1)},
        "not_eligible",
        "job_seeker.too_recent",
    ),
    "registered 12 months less a day": (
        Rules(job_seeker_required=True, min_job_seeker_months=12),
        {"job_seeker_since": datetime.date(2025, 9, 2)},
        "not_eligible",
        "job_seeker.too_recent",
    ),
    "registered 12 months, not proven yet": (
        Rules(job_seeker_required=True, min_job_seeker_months=12),
        {"job_seeker_since": datetime.date(2025, 9, 1)},
        "to_be_checked",
        "job_seeker.proof_needed",
    ),
    "registered 12 months, certificate verified by staff": (
        Rules(job_seeker_required=True, min_job_seeker_months=12),
        {"job_seeker_since": datetime.date(2025, 9, 1), "verifications": {"job_seeker": "verified"}},
        "eligible",
        "verified",
    ),
    "registered 12 months, certificate rejected by staff": (
        Rules(job_seeker_required=True, min_job_seeker_months=12),
        {"job_seeker_since": datetime.date(2025, 9, 1), "verifications": {"job_seeker": "rejected"}},
        "not_eligible",
        "rejected",
    ),
    "registration date missing": (
        Rules(job_seeker_required=True, min_job_seeker_months=12),
        {"job_seeker_since": None},
        "to_be_checked",
        "job_seeker.since_missing",
    ),
    "registered, no minimum duration": (Rules(job_seeker_required=True), {}, "eligible", "job_seeker.ok"),
    "not registered": (
        Rules(job_seeker_required=True),
        {"is_job_seeker": False, "job_seeker_since": None},
        "not_eligible",
        "job_seeker.not_registered",
    ),
    "registration not answered": (
        Rules(job_seeker_required=True),
        {"is_job_seeker": None, "job_seeker_since": None},
        "to_be_checked",
        "job_seeker.missing",
    ),
    # Residence: départements and/or communes.
    "postcode in a listed département": (
        Rules(allowed_departements=["92", "93"]),
        {"postcode": "93500"},
        "eligible",
        "residence.ok",
    ),
    "postcode outside the listed départements": (
        Rules(allowed_departements=["92", "93"]),
        {"postcode": "75019", "commune": "Paris"},
        "not_eligible",
        "residence.outside",
    ),
    "commune in the list (accents and case ignored)": (
        Rules(allowed_communes=["Villeneuve-la-Garenne", "Pierrefitte-sur-Seine"]),
        {"postcode": "93380", "commune": "pierrefitte sur seine"},
        "eligible",
        "residence.ok",
    ),
    "commune outside the list": (
        Rules(allowed_communes=["Villeneuve-la-Garenne", "Pierrefitte-sur-Seine"]),
        {"postcode": "93500", "commune": "Pantin"},
        "not_eligible",
        "residence.outside",
    ),
    "commune outside the list but département listed": (
        Rules(allowed_departements=["93"], allowed_communes=["Villeneuve-la-Garenne"]),
        {"postcode": "93500", "commune": "Pantin"},
        "eligible",
        "residence.ok",
    ),
    "Corsican postcode": (Rules(allowed_departements=["2B"]), {"postcode": "20200"}, "eligible", "residence.ok"),
    "residence missing": (
        Rules(allowed_departements=["93"]),
        {"postcode": "", "commune": ""},
        "to_be_checked",
        "residence.missing",
    ),
    "invalid postcode": (
        Rules(allowed_departements=["93"]),
        {"postcode": "9350"},
        "to_be_checked",
        "residence.invalid_postcode",
    ),
    # QPV residence required.
    "QPV required, resident": (Rules(qpv_policy="required"), {"lives_in_qpv": True}, "eligible", "qpv.ok"),
    "QPV required, not resident": (
        Rules(qpv_policy="required"),
        {"lives_in_qpv": False},
        "not_eligible",
        "qpv.not_resident",
    ),
    "QPV required, not answered": (
        Rules(qpv_policy="required"),
        {"lives_in_qpv": None},
        "to_be_checked",
        "qpv.missing",
    ),
}


@pytest.mark.parametrize(("rules", "overrides", "outcome", "reason_code"), CASES.values(), ids=CASES.keys())
def test_criterion_boundaries(rules, overrides, outcome, reason_code):
    result = evaluate(rules, answers(**overrides), session_start=START)
    assert result.outcome == outcome
    assert [c.reason_code for c in result.criteria] == [reason_code]


def test_missing_answer_says_what_is_needed():
    result = evaluate(Rules(min_age=18, max_qualification_level=4), Answers(qualification_level=3), session_start=START)
    assert result.outcome == "to_be_checked"
    assert result.needs == ("birth_date",)
    assert "date de naissance" in result.criterion("age").message_fr


def test_not_met_beats_to_be_checked():
    result = evaluate(Rules(min_age=18, max_qualification_level=4), Answers(qualification_level=6), session_start=START)
    assert result.outcome == "not_eligible"
    assert [c.status for c in result.criteria] == ["to_be_checked", "not_met"]


def test_no_rules_means_eligible_with_no_criteria():
    result = evaluate(Rules(), Answers(), session_start=START)
    assert (result.outcome, result.criteria, result.priority_score) == ("eligible", (), 0)


def test_no_rule_set_at_all_means_staff_must_check():
    result = evaluate(None, answers(), session_start=START)
    assert result.outcome == "to_be_checked"
    assert [c.reason_code for c in result.criteria] == ["rules.missing"]


def test_messages_carry_the_figures_in_both_languages():
    _, criterion = check(Rules(max_age=25), "age", birth_date=datetime.date(2000, 9, 1))
    assert criterion.message_fr == "Il faut avoir au plus 25 ans au début de la session (vous aurez 26 ans)."
    assert criterion.to_dict()["message_en"]
    assert criterion.to_dict()["params"] == {"age": 26, "max_age": 25}
    with translation.override("fr"):
        assert criterion.message == criterion.message_fr


PARIS_CODE_WEIGHTS = {
    "women": 10,
    "under_26_without_diploma": 20,
    "aged_50_plus": 15,
    "qpv_residents": 15,
    "rsa_recipients": 10,
    "rqth": 10,
    "long_term_job_seekers": 10,
}


@pytest.mark.parametrize(
    ("overrides", "audiences", "score"),
    [
        ({"gender": "man", "lives_in_qpv": False, "job_seeker_since": datetime.date(2026, 1, 1)}, {"job_seekers"}, 0),
        ({"lives_in_qpv": False, "job_seeker_since": datetime.date(2026, 1, 1)}, {"women", "job_seekers"}, 10),
        (
            {"qualification_level": 0},
            {"women", "under_26_without_diploma", "qpv_residents", "job_seekers", "long_term_job_seekers"},
            55,
        ),
        # 26 on the start day: no longer "under 26".
        (
            {"gender": "", "birth_date": datetime.date(2000, 9, 1), "qualification_level": 0, "lives_in_qpv": False},
            {"job_seekers", "long_term_job_seekers"},
            10,
        ),
        (
            {
                "gender": "",
                "birth_date": datetime.date(1976, 9, 1),
                "lives_in_qpv": False,
                "receives_rsa": True,
                "has_rqth": True,
            },
            {"aged_50_plus", "job_seekers", "long_term_job_seekers", "rsa_recipients", "rqth"},
            45,
        ),
    ],
)
def test_priority_audiences_and_score(overrides, audiences, score):
    rules = Rules(qpv_policy="priority", priority_weights=PARIS_CODE_WEIGHTS)
    result = evaluate(rules, answers(**overrides), session_start=START)
    assert result.audiences == audiences
    assert result.priority_score == score


@pytest.mark.parametrize(
    ("policy", "weights", "score"),
    [("ignored", {"qpv_residents": 15}, 0), ("priority", {}, 10), ("priority", {"qpv_residents": 15}, 15)],
)
def test_qpv_policy_decides_whether_qpv_residence_ranks(policy, weights, score):
    result = evaluate(
        Rules(qpv_policy=policy, priority_weights=weights), Answers(lives_in_qpv=True), session_start=START
    )
    assert (result.outcome, result.priority_score) == ("eligible", score)


def test_bad_weights_are_ignored_and_negative_ones_count_as_zero():
    rules = Rules(priority_weights={"women": "x", "rqth": -5, "unknown": 3, "rsa_recipients": "7"})
    assert rules.priority_weights == {"rqth": 0, "rsa_recipients": 7}


def test_answers_round_trip_through_json():
    original = answers(verifications={"job_seeker": "verified", "age": "nonsense"})
    assert original.verifications == {"job_seeker": "verified"}
    assert Answers.from_dict(original.to_dict()) == original


def test_answers_from_a_profile_like_object():
    class Profile:
        birth_date = datetime.date(2001, 1, 1)
        gender = "woman"
        is_job_seeker = None

    loaded = Answers.from_profile(Profile())
    assert loaded.birth_date == datetime.date(2001, 1, 1)
    assert loaded.is_job_seeker is None and loaded.postcode == ""
    assert Answers.from_profile(None) == Answers()


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (datetime.date(2000, 2, 29), datetime.date(2026, 2, 28), 25),
        (datetime.date(2000, 2, 29), datetime.date(2026, 3, 1), 26),
        (datetime.date(2000, 2, 29), datetime.date(2028, 2, 29), 28),
    ],
)
def test_age_of_people_born_on_29_february(birth, day, age):
    assert eligibility.age_on(birth, day) == age


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (datetime.date(2025, 9, 1), datetime.date(2026, 9, 1), 12),
        (datetime.date(2025, 9, 1), datetime.date(2026, 8, 31), 11),
        (datetime.date(2025, 1, 31), datetime.date(2025, 2, 28), 1),
        (datetime.date(2025, 1, 31), datetime.date(2025, 2, 27), 0),
    ],
)
def test_full_months(start, end, months):
    assert eligibility.full_months_between(start, end) == months


@pytest.mark.parametrize(
    ("postcode", "departement"),
    [("75019", "75"), ("97411", "974"), ("20000", "2A"), ("20290", "2B"), ("9350", None), ("", None), ("ab123", None)],
)
def test_departement_of_postcode(postcode, departement):
    assert eligibility.departement_of(postcode) == departement


# --- Properties ------------------------------------------------------------------------------

maybe_bool = st.one_of(st.none(), st.booleans())
dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31))
answers_strategy = st.builds(
    Answers,
    birth_date=st.one_of(st.none(), dates),
    gender=st.sampled_from(["", "woman", "man", "other", "undisclosed"]),
    postcode=st.one_of(st.sampled_from(["", "93500", "75019", "20200", "97411", "92390"]), st.text(max_size=6)),
    commune=st.one_of(st.sampled_from(["", "Pantin", "Paris", "Villeneuve-la-Garenne"]), st.text(max_size=20)),
    lives_in_qpv=maybe_bool,
    is_job_seeker=maybe_bool,
    job_seeker_since=st.one_of(st.none(), dates),
    qualification_level=st.one_of(st.none(), st.sampled_from([0, 3, 4, 5, 6, 7, 8]), st.integers()),
    receives_rsa=maybe_bool,
    has_rqth=maybe_bool,
    verifications=st.dictionaries(
        st.sampled_from(list(eligibility.CRITERIA)), st.sampled_from(["verified", "rejected", "maybe"]), max_size=3
    ),
)
small = st.one_of(st.none(), st.integers(min_value=0, max_value=80))
rules_strategy = st.builds(
    Rules,
    min_age=small,
    max_age=small,
    max_qualification_level=st.one_of(st.none(), st.sampled_from([0, 3, 4, 5, 6, 7, 8])),
    job_seeker_required=st.booleans(),
    min_job_seeker_months=st.one_of(st.none(), st.integers(min_value=0, max_value=36)),
    allowed_departements=st.lists(st.sampled_from(["75", "92", "93", "94", "2B", "974"]), max_size=3),
    allowed_communes=st.lists(st.sampled_from(["Pantin", "Paris", "Gonesse", "75019"]), max_size=3),
    qpv_policy=st.sampled_from(["required", "priority", "ignored", "nonsense"]),
    priority_weights=st.dictionaries(
        st.sampled_from(list(eligibility.AUDIENCES) + ["other"]),
        st.one_of(st.integers(min_value=-50, max_value=100), st.text(max_size=3)),
    ),
)


@settings(max_examples=150, deadline=None)
@given(rules=rules_strategy, candidate=answers_strategy, start=dates)
def test_engine_never_raises_and_is_consistent(rules, candidate, start):
    result = evaluate(rules, candidate, session_start=start)
    assert result.outcome in eligibility.OUTCOMES
    statuses = {c.status for c in result.criteria}
    assert (result.outcome == "not_eligible") == ("not_met" in statuses)
    assert result.priority_score >= 0
    for criterion in result.criteria:
        assert criterion.message_fr and criterion.message_en
        assert criterion.reason_code in eligibility.MESSAGES


PRIORITY_ATTRIBUTES = {
    "gender": "woman",
    "lives_in_qpv": True,
    "is_job_seeker": True,
    "receives_rsa": True,
    "has_rqth": True,
}


@settings(max_examples=150, deadline=None)
@given(
    rules=rules_strategy,
    candidate=answers_strategy,
    start=dates,
    attribute=st.sampled_from(sorted(PRIORITY_ATTRIBUTES)),
)
def test_adding_a_priority_attribute_never_lowers_the_score(rules, candidate, start, attribute):
    before = evaluate(rules, candidate, session_start=start)
    changed = Answers.from_dict({**candidate.to_dict(), attribute: PRIORITY_ATTRIBUTES[attribute]})
    after = evaluate(rules, changed, session_start=start)
    assert after.priority_score >= before.priority_score
    assert after.audiences >= before.audiences


@settings(max_examples=100, deadline=None)
@given(rules=rules_strategy, candidate=answers_strategy, start=dates, language=st.sampled_from(["fr", "en"]))
def test_outcome_depends_only_on_the_inputs(rules, candidate, start, language):
    first = evaluate(rules, candidate, session_start=start)
    # The same inputs rebuilt from their stored form, in another active language, give the same result.
    with translation.override(language):
        again = evaluate(Rules(**vars(rules)), Answers.from_dict(candidate.to_dict()), session_start=start)
    assert again.to_dict() == first.to_dict()
