"""Demo data of the applications: the candidate's account, profile and application (found
eligible), and, with ``load_demo --candidates N``, N synthetic candidates
(candidates.demo_candidates). Loaded by ``load_demo`` after the catalogue (see portal.demo)."""

import datetime

from django.utils import timezone

from portal.demo import DEMO_DOMAIN, DemoAccount, account, upsert
from programmes.models import QualificationLevel, Session

from .advisers import demo as advisers_demo
from .demo_candidates import create_candidates
from .models import Application, ApplicationEvent, CandidateProfile, ScreeningOutcome
from .reporting import open_data
from .workflow import Actor, Status

ACCOUNTS = {
    "candidate": DemoAccount(
        "Candidate",
        f"candidate@{DEMO_DOMAIN}",
        "Amina",
        "Benali",
        "browse sessions, apply, follow an application",
    ),
}
DEMO_SESSION = "Ma 6T Va Coder Pantin — promotion 4"


def load():
    """The demo candidate, her profile and her application."""
    candidate = account(ACCOUNTS["candidate"])
    upsert(
        CandidateProfile,
        user=candidate,
        defaults={
            "birth_date": datetime.date(2002, 4, 12),
            "gender": CandidateProfile.Gender.WOMAN,
            "postcode": "93500",
            "commune": "Pantin",
            "lives_in_qpv": True,
            "is_job_seeker": True,
            "job_seeker_since": datetime.date(2025, 9, 1),
            "qualification_level": QualificationLevel.LEVEL_4,
            "receives_rsa": False,
            "has_rqth": False,
            "phone": "06 12 34 56 78",
            "contact_consent": True,
        },
        create_defaults={"privacy_consent_at": timezone.now()},
    )
    _demo_application(candidate, Session.objects.get(name=DEMO_SESSION))
    # Advisers (issue 17): two orienting organisations, their advisers and the people they support.
    advisers_demo.load()
    # The statistics page and the open data files show the demo at once, not after the night.
    open_data.publish(force=True)
    return {**ACCOUNTS, **advisers_demo.ACCOUNTS}


def add_candidates(count, *, seed, stdout=None):
    """``load_demo --candidates N``: N synthetic candidates, each with a submitted application."""
    create_candidates(count, seed=seed, stdout=stdout)
    open_data.publish(force=True)


def _demo_application(candidate, session):
    """The demo candidate's application, submitted a week ago and found eligible."""
    submitted_at = timezone.now() - datetime.timedelta(days=7)
    application, created = upsert(
        Application,
        candidate=candidate,
        session=session,
        defaults={
            "status": Status.ELIGIBLE,
            "motivation": (
                "J'ai appris les bases du HTML et du CSS seule, sur mon téléphone. Je veux en faire mon "
                "métier et travailler pour les associations de mon quartier."
            ),
            "screening_outcome": ScreeningOutcome.ELIGIBLE,
            "priority_score": 45,
            "is_woman": True,
            "is_under_26_without_diploma": False,
            "is_qpv_resident": True,
            "is_job_seeker": True,
            "is_long_term_job_seeker": True,
            "wish_rank": 1,  # their only wish in the programme
        },
        # Started the day before it was sent: the timeline reads in order.
        create_defaults={"submitted_at": submitted_at, "created_at": submitted_at - datetime.timedelta(days=1)},
    )
    if created:
        ApplicationEvent.objects.bulk_create(
            [
                ApplicationEvent(
                    application=application,
                    transition="submit",
                    from_status=Status.DRAFT,
                    to_status=Status.SUBMITTED,
                    actor=candidate,
                    actor_role=Actor.CANDIDATE,
                    created_at=submitted_at,
                ),
                ApplicationEvent(
                    application=application,
                    transition="mark_eligible",
                    from_status=Status.SUBMITTED,
                    to_status=Status.ELIGIBLE,
                    actor_role=Actor.SYSTEM,
                    created_at=submitted_at + datetime.timedelta(minutes=1),
                ),
            ]
        )
    return application
