"""One reader for each stored fact: the statuses that hold a seat, a stored screening's criteria,
the priority audiences' columns, the offer deadline and the birth-date bounds are each defined or
read in one place, which every page, form, email and the engine use."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from candidates import criteria, exports, screening, seats
from candidates.admin import filters
from candidates.admin.screening import criteria_html
from candidates.forms import ProfileForm
from candidates.models import AUDIENCE_FLAGS, Application
from candidates.tests.factories import ScreeningFactory, application_in, criterion
from candidates.workflow import SEAT_COUNTERS, SEAT_HOLDING_STATUSES, Status, offer_deadline
from portal.tests.factories import UserFactory, municipal_staff
from programmes import eligibility
from programmes.forms import EligibilityCheckForm
from programmes.models import PriorityAudience

pytestmark = pytest.mark.django_db


def test_programmes_names_no_application_status():
    """Seats are the session's figures; which statuses hold one is candidates.workflow's business."""
    statuses = {f'"{status.value}"' for status in SEAT_COUNTERS}
    for path in (Path(settings.BASE_DIR) / "programmes").rglob("*.py"):
        if "migrations" in path.parts or "tests" in path.parts:
            continue
        text = path.read_text()
        assert not any(status in text for status in statuses), path
    assert SEAT_COUNTERS.keys() >= SEAT_HOLDING_STATUSES


def test_every_priority_audience_has_one_column_read_everywhere():
    assert set(AUDIENCE_FLAGS) == set(PriorityAudience)
    assert set(filters.AUDIENCE_FIELDS) == set(AUDIENCE_FLAGS.values())
    assert {path for _header, path in exports.COLUMNS} >= set(AUDIENCE_FLAGS.values())
    assert set(screening.SCREENING_FIELDS) >= set(AUDIENCE_FLAGS.values())
    for flag in AUDIENCE_FLAGS.values():
        assert Application._meta.get_field(flag).get_internal_type() == "BooleanField"
    # The engine's audience names are the programmes' choices.
    assert set(eligibility.AUDIENCES) == set(PriorityAudience.values)


def test_the_offer_deadline_is_one_formula():
    application = application_in(Status.ELIGIBLE)
    application.session.programme.offer_deadline_days = 4
    application.session.programme.save()
    before = timezone.now()
    seats.offer_seat(application, actor=municipal_staff())
    after = timezone.now()
    assert offer_deadline(application.session.programme, now=before) <= application.offer_expires_at
    assert application.offer_expires_at <= offer_deadline(application.session.programme, now=after)


def test_stored_criteria_are_read_in_one_place_by_pages_and_emails():
    stored = ScreeningFactory(
        outcome="to_be_checked",
        criteria=[
            criterion("age", "met", "age.ok", fr="Âge respecté", en="Age met"),
            criterion(
                "job_seeker",
                "to_be_checked",
                "job_seeker.proof",
                fr="Attestation France Travail à fournir",
                en="France Travail certificate needed",
                needs=["document:job_seeker_proof", "job_seeker_since"],
            ),
            "not a criterion",  # an unreadable entry is skipped, never an error
        ],
    )
    rows = criteria.criteria_of(stored)
    assert [(row.code, row.mark) for row in rows] == [("age", "✔"), ("job_seeker", "?")]
    assert criteria.candidate_reasons(stored, "fr") == ["Attestation France Travail à fournir"]
    assert criteria.candidate_reasons(stored, "en") == ["France Travail certificate needed"]
    assert [(c.documents, c.answers) for c in criteria.explained(stored)] == [
        (["job_seeker_proof"], ["job_seeker_since"])
    ]
    html = criteria_html(stored)
    assert "Attestation France Travail à fournir" in html and "à vérifier" in html


@pytest.mark.parametrize(
    ("years_ago", "accepted"),
    [(14, False), (15, True), (100, True), (101, False)],
)
def test_one_pair_of_birth_date_bounds_for_both_forms_and_the_engine(years_ago, accepted):
    today = timezone.localdate()
    born = today.replace(year=today.year - years_ago) - datetime.timedelta(days=1 if years_ago == 101 else 0)
    check = EligibilityCheckForm({"birth_date": born.isoformat()}, rules=eligibility.Rules(min_age=16))
    profile = ProfileForm({"birth_date": born.isoformat()}, user=UserFactory())
    check.is_valid()
    profile.is_valid()
    assert ("birth_date" not in check.errors) is accepted
    assert ("birth_date" not in profile.errors) is accepted
    if not accepted:
        assert check.errors["birth_date"] == profile.errors["birth_date"]
    result = eligibility.evaluate(
        eligibility.Rules(min_age=16), eligibility.Answers(birth_date=born), session_start=today
    )
    assert (result.criterion(eligibility.AGE).reason_code == "age.invalid") is not accepted
