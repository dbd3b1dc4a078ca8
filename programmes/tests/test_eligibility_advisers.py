"""The engine and the advisers: an attested criterion counts as verified and says who attested it
and when; verified facts place the candidate in their priority audiences; the rules may weigh the
kind of organisation that oriented the application. Pure: inputs in, outcome out."""

import datetime

from django.utils import translation

from programmes import eligibility
from programmes.eligibility import Answers, Rules, evaluate

START = datetime.date(2026, 9, 1)
ATTESTATION = {
    "organisation": "Mission locale de Pantin",
    "adviser": "Karim Haddad",
    "date": "02/12/2026",
    "until": "03/06/2027",
}
PROFILE = {
    "birth_date": datetime.date(2003, 5, 17),
    "gender": "man",
    "postcode": "93500",
    "commune": "Pantin",
    "lives_in_qpv": None,
    "is_job_seeker": True,
    "job_seeker_since": datetime.date(2024, 9, 1),
    "qualification_level": 4,
    "receives_rsa": None,
    "has_rqth": False,
}


def answers(**extra):
    return Answers(**{**PROFILE, **extra})


def test_an_attested_criterion_is_met_with_the_attester_and_the_date():
    rules = Rules(job_seeker_required=True, min_job_seeker_months=6)
    assert evaluate(rules, answers(), session_start=START).outcome == eligibility.TO_BE_CHECKED  # proof needed

    result = evaluate(
        rules,
        answers(verifications={"job_seeker": "verified"}, attestations={"job_seeker": ATTESTATION}),
        session_start=START,
    )
    assert result.outcome == eligibility.ELIGIBLE
    criterion = result.criterion("job_seeker")
    assert (criterion.status, criterion.reason_code) == (eligibility.MET, eligibility.ATTESTED)
    assert criterion.message_fr == (
        "Attesté par Mission locale de Pantin (Karim Haddad) le 02/12/2026, valable jusqu'au 03/06/2027."
    )
    with translation.override("en"):
        assert "Mission locale de Pantin" in criterion.message and "Karim Haddad" in criterion.message_en


def test_attested_facts_that_no_rule_asks_for_are_shown_and_rank_but_never_decide():
    rules = Rules(qpv_policy="priority", priority_weights={"rsa_recipients": 20, "qpv_residents": 10})
    declared = evaluate(rules, answers(), session_start=START)
    attested = evaluate(
        rules,
        answers(
            verifications={"rsa": "verified", "qpv": "verified"},
            attestations={"rsa": ATTESTATION, "qpv": ATTESTATION},
        ),
        session_start=START,
    )
    assert declared.outcome == attested.outcome == eligibility.ELIGIBLE
    assert [c.code for c in attested.criteria] == ["qpv", "rsa"]
    assert all(c.reason_code == eligibility.ATTESTED for c in attested.criteria)
    assert {eligibility.RSA_RECIPIENTS, eligibility.QPV_RESIDENTS} <= attested.audiences
    assert attested.priority_score == declared.priority_score + 30


def test_a_fact_rejected_by_staff_leaves_its_audience():
    result = evaluate(
        Rules(priority_weights={"rqth": 10}),
        answers(has_rqth=True, verifications={"rqth": "rejected"}),
        session_start=START,
    )
    assert eligibility.RQTH not in result.audiences and result.priority_score == 0
    assert result.outcome == eligibility.ELIGIBLE  # a rejected priority never refuses anyone


def test_attestations_without_a_verified_decision_are_dropped():
    cleaned = Answers(attestations={"rsa": ATTESTATION, "qpv": "not a dict"}, verifications={"rsa": "rejected"})
    assert cleaned.attestations == {}


def test_inputs_without_attestations_or_orientation_keep_their_former_shape():
    """Screenings stored before advisers existed keep their signatures: same keys, same values."""
    plain = answers().to_dict()
    assert set(plain) == {*Answers.FIELDS, "verifications"}
    rich = answers(
        verifications={"rsa": "verified"}, attestations={"rsa": ATTESTATION}, oriented_by="mission_locale"
    ).to_dict()
    assert (
        rich["attestations"] == {"rsa": dict(sorted(ATTESTATION.items()))} and rich["oriented_by"] == "mission_locale"
    )
    assert Answers.from_dict(rich) == answers(
        verifications={"rsa": "verified"}, attestations={"rsa": ATTESTATION}, oriented_by="mission_locale"
    )


def test_the_rules_may_weigh_the_orienting_organisation_kind():
    rules = Rules(priority_weights={"oriented_by:france_travail": 15, "women": 5})
    assert rules.priority_weights == {"oriented_by:france_travail": 15, "women": 5}
    by_ft = evaluate(rules, answers(oriented_by="france_travail"), session_start=START)
    by_ml = evaluate(rules, answers(oriented_by="mission_locale"), session_start=START)
    alone = evaluate(rules, answers(), session_start=START)
    assert (by_ft.priority_score, by_ml.priority_score, alone.priority_score) == (15, 0, 0)
    assert by_ft.outcome == alone.outcome  # orientation ranks, never selects


def test_malformed_orientation_weights_are_dropped():
    rules = Rules(
        priority_weights={"oriented_by:": 5, "oriented_by:FT!": 5, "oriented_by:plie": -3, "oriented_by:ccas": "4"}
    )
    assert rules.priority_weights == {"oriented_by:plie": 0, "oriented_by:ccas": 4}
