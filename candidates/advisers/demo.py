"""Demo data of the advisers (issue 17): a France Travail agency in Paris 20e and a Mission locale
in Pantin, both habilitées, each with an adviser and the people they support: a draft being
prepared, an application waiting for the person's accord, one sent and found eligible (with an
attestation). Called by ``candidates.demo.load``; idempotent (``upsert``)."""

import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

from portal.demo import DEMO_DOMAIN, DemoAccount, account, upsert
from portal.models import User
from programmes.models import QualificationLevel, Session

from ..models import (
    AdviserMembership,
    AdviserOrganisation,
    Application,
    ApplicationEvent,
    CandidateProfile,
    CriterionVerification,
    ScreeningOutcome,
    Support,
)
from ..workflow import Actor, Status
from .models import OrganisationKind

ACCOUNTS = {
    "adviser_france_travail": DemoAccount(
        "Adviser (France Travail Paris 20e)",
        f"conseiller.ft@{DEMO_DOMAIN}",
        "Karim",
        "Haddad",
        "/conseillers/: apply with and for someone, follow them",
    ),
    "adviser_mission_locale": DemoAccount(
        "Adviser (Mission locale, Pantin)",
        f"conseillere.ml@{DEMO_DOMAIN}",
        "Sophie",
        "Bernard",
        "/conseillers/: the people a Mission locale supports",
    ),
}

ORGANISATIONS = {
    "adviser_france_travail": {
        "name": "France Travail Paris 20e",
        "kind": OrganisationKind.FRANCE_TRAVAIL,
        "postcode": "75020",
        "commune": "Paris",
        "email": f"agence.paris20@{DEMO_DOMAIN}",
    },
    "adviser_mission_locale": {
        "name": "Mission locale de Pantin",
        "kind": OrganisationKind.MISSION_LOCALE,
        "postcode": "93500",
        "commune": "Pantin",
        "email": f"mission.locale.pantin@{DEMO_DOMAIN}",
    },
}

# (organisation, first name, last name, email or None, phone, postcode, commune, birth date, status)
PEOPLE = [
    ("adviser_france_travail", "Moussa", "Keita", None, "06 98 76 54 32", "75020", "Paris", (1990, 3, 2), Status.DRAFT),
    (
        "adviser_france_travail",
        "Nadia",
        "Cherif",
        f"nadia.cherif@{DEMO_DOMAIN}",
        "06 45 12 78 90",
        "75020",
        "Paris",
        (1984, 11, 20),
        Status.AWAITING_CONFIRMATION,
    ),
    (
        "adviser_mission_locale",
        "Yanis",
        "Martin",
        f"yanis.martin@{DEMO_DOMAIN}",
        "07 81 23 45 67",
        "93500",
        "Pantin",
        (2004, 6, 14),
        Status.ELIGIBLE,
    ),
]
MOTIVATION = (
    "Nous avons préparé cette candidature ensemble : la personne s'intéresse au développement web depuis "
    "un atelier découverte et veut en faire son métier."
)


def load(municipal_agent=None):
    now = timezone.now()
    organisations, advisers = {}, {}
    for key, values in ORGANISATIONS.items():
        organisation, _created = upsert(
            AdviserOrganisation,
            name=values["name"],
            defaults={**{k: v for k, v in values.items() if k != "name"}, "is_habilitated": True},
            create_defaults={"habilitated_at": now, "habilitated_by": municipal_agent},
        )
        adviser = account(ACCOUNTS[key])
        if not AdviserMembership.objects.active().filter(organisation=organisation, user=adviser).exists():
            AdviserMembership.objects.create(organisation=organisation, user=adviser)
        organisations[key], advisers[key] = organisation, adviser
    sessions = list(Session.objects.open_for_applications().order_by("starts_on", "pk")[:1])
    if not sessions:
        return ACCOUNTS
    for key, first, last, email, phone, postcode, commune, born, status in PEOPLE:
        _person(
            organisations[key],
            advisers[key],
            sessions[0],
            now=now,
            names=(first, last),
            email=email,
            phone=phone,
            place=(postcode, commune),
            born=datetime.date(*born),
            status=status,
        )
    return ACCOUNTS


def _person(organisation, adviser, session, *, now, names, email, phone, place, born, status):
    first, last = names
    address = email or f"sans-email-demo-{first.lower()}.{last.lower()}@{settings.NO_EMAIL_DOMAIN}"
    person, created = upsert(
        User,
        email=address,
        defaults={"first_name": first, "last_name": last, "is_active": True},
    )
    if created:
        person.set_unusable_password()
        person.save(update_fields=["password"])
        if email:
            EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)
    upsert(
        CandidateProfile,
        user=person,
        defaults={
            "birth_date": born,
            "gender": CandidateProfile.Gender.MAN if first in ("Moussa", "Yanis") else CandidateProfile.Gender.WOMAN,
            "postcode": place[0],
            "commune": place[1],
            "lives_in_qpv": True,
            "is_job_seeker": True,
            "job_seeker_since": datetime.date(2025, 1, 6),
            "qualification_level": QualificationLevel.LEVEL_3,
            "receives_rsa": first == "Nadia",
            "has_rqth": False,
            "phone": phone,
        },
        create_defaults={"privacy_consent_at": now},
    )
    consented = status != Status.AWAITING_CONFIRMATION
    upsert(
        Support,
        organisation=organisation,
        person=person,
        withdrawn_at=None,
        defaults={"referent": adviser},
        create_defaults={"created_by": adviser, "created_account": True, "consented_at": now if consented else None},
    )
    sent = status == Status.ELIGIBLE
    application, created = upsert(
        Application,
        candidate=person,
        session=session,
        defaults={
            "status": status,
            "oriented_by": organisation,
            "prepared_by": adviser,
            "motivation": MOTIVATION if status != Status.DRAFT else "",
            "draft_step": "motivation" if status == Status.DRAFT else "review",
            **(
                {"screening_outcome": ScreeningOutcome.ELIGIBLE, "is_job_seeker": True, "is_qpv_resident": True}
                if sent
                else {}
            ),
        },
        # Prepared the week before it was sent: the timeline reads in order.
        create_defaults={
            "created_at": now - datetime.timedelta(days=10),
            **({"submitted_at": now - datetime.timedelta(days=3)} if sent else {}),
        },
    )
    if not created:
        return
    events = []
    if status != Status.DRAFT:
        events.append(("request_confirmation", Status.DRAFT, Status.AWAITING_CONFIRMATION, adviser, Actor.ADVISER))
    if sent:
        events += [
            ("confirm", Status.AWAITING_CONFIRMATION, Status.SUBMITTED, person, Actor.CANDIDATE),
            ("mark_eligible", Status.SUBMITTED, Status.ELIGIBLE, None, Actor.SYSTEM),
        ]
        CriterionVerification.objects.create(
            source=CriterionVerification.Source.ADVISER_ATTESTATION,
            person=person,
            organisation=organisation,
            criterion=CriterionVerification.Criterion.JOB_SEEKER,
            decision=CriterionVerification.Decision.VERIFIED,
            comment="Dossier France Travail consulté avec la personne",
            verified_by=adviser,
            expires_at=now + datetime.timedelta(days=183),
        )
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(
            application=application,
            transition=name,
            from_status=source,
            to_status=target,
            actor=actor,
            actor_role=role,
            created_at=now - datetime.timedelta(days=3, minutes=-index),
        )
        for index, (name, source, target, actor, role) in enumerate(events)
    )
