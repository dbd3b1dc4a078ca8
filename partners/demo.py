"""Demo data of the partners, loaded by ``load_demo`` after the applications (see portal.demo): the
Charte Partenaires Paris Code, its five signatories and their commitments, the partner account
(Microsoft France), opportunities from the signatories, three enrolled Paris Code trainees and
their interests, some of them taken, so that the partner space, the trainees' pages and the public
charter page show real figures. Idempotent: a second run changes nothing.
"""

import datetime
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from candidates import seats
from candidates.models import Application, CandidateProfile, ScreeningOutcome, TraineeFollowUp
from candidates.workflow import Status
from portal.demo import DEMO_DOMAIN, DEMO_PASSWORD, DemoAccount, account, school_year, today, upsert
from portal.models import User
from programmes.models import Programme, QualificationLevel, Session, Track

from .models import (
    Charter,
    CharterSignature,
    Commitment,
    Interest,
    Opportunity,
    OpportunityTrack,
    PartnerCompany,
    PartnerMembership,
)

ACCOUNTS = {
    "partner": DemoAccount(
        "Partner (Microsoft France)",
        f"partner@{DEMO_DOMAIN}",
        "Julie",
        "Moreau",
        "the charter and Microsoft's commitments",
    ),
}

# --- The Charte Partenaires Paris Code ------------------------------------------------------

CHARTER = {
    "slug": "charte-partenaires-paris-code-saison-2",
    "programme": "paris-code",
    "season": "Saison 2",
    "title": "Charte Partenaires Paris Code",
    "signed_on": datetime.date(2017, 3, 18),
    "text_fr": (
        "Les entreprises signataires s'associent à Paris Code, le programme de la Ville de Paris et de "
        "France Travail qui ouvre les métiers du numérique aux demandeurs d'emploi, aux jeunes sans "
        "diplôme, aux femmes, aux seniors et aux habitants des quartiers populaires.\n\n"
        "Elles s'engagent, pendant la saison, à :\n"
        "1. proposer des contrats en alternance aux stagiaires des formations Paris Code ;\n"
        "2. organiser des journées de découverte de leurs métiers et de leurs équipes ;\n"
        "3. accueillir des stagiaires en entreprise à l'issue de leur formation ;\n"
        "4. rendre compte à la Ville, chaque trimestre, des engagements tenus."
    ),
    "text_en": (
        "The signatory companies join Paris Code, the City of Paris and France Travail programme that "
        "opens digital jobs to job seekers, young people without a diploma, women, seniors and "
        "residents of working-class neighbourhoods. During the season they commit to offer work-study "
        "contracts, to hold discovery days, to host interns after their training, and to report to the "
        "City every quarter on the commitments kept."
    ),
}

# (slug, name, website, signatory, title, [(kind, quantity, session name or None)])
SIGNATORIES = [
    (
        "microsoft-france",
        "Microsoft France",
        "https://www.microsoft.com/fr-fr",
        "Corinne Caillaud",
        "Directrice des affaires publiques, externes et juridiques",
        [
            ("work_study", 10, None),
            ("discovery_day", 6, "Web@cadémie Ambition Féminine — promotion 5"),
            ("internship", 15, None),
        ],
    ),
    (
        "orange",
        "Orange",
        "https://www.orange.com",
        "Isabelle Laurent",
        "Directrice de l'engagement sociétal",
        [
            ("work_study", 12, None),
            ("discovery_day", 4, None),
            ("internship", 10, "Technicien cybersécurité — promotion 2"),
        ],
    ),
    (
        "capgemini",
        "Capgemini",
        "https://www.capgemini.com",
        "Thomas Girard",
        "Directeur des ressources humaines France",
        [
            ("work_study", 20, "Développeur web et web mobile — promotion 8"),
            ("internship", 12, None),
            ("hiring", 5, None),
        ],
    ),
    (
        "cisco-france",
        "Cisco France",
        "https://www.cisco.com",
        "Nadia Benhamou",
        "Responsable des programmes éducatifs",
        [("discovery_day", 5, None), ("internship", 8, "Analyste de données — promotion 3")],
    ),
    (
        "sopra-steria",
        "Sopra Steria",
        "https://www.soprasteria.com",
        "Marc Lefebvre",
        "Directeur du recrutement",
        [("work_study", 15, None), ("internship", 10, "Chef de projet digital — promotion 4"), ("mentoring", 10, None)],
    ),
]

WEB = "Développeur web et web mobile — promotion 8"
WOMEN = "Web@cadémie Ambition Féminine — promotion 5"


@dataclass(frozen=True)
class OpportunitySpec:
    company: str  # slug
    kind: str
    title: str
    location: str
    starts_in: int  # days from today
    days: int
    places: int
    sessions: tuple = ()
    tracks: tuple = ()
    description: str = ""


OPPORTUNITIES = [
    OpportunitySpec(
        "microsoft-france",
        Commitment.Kind.DISCOVERY_DAY,
        "Journée découverte au campus Microsoft",
        "39 quai du Président Roosevelt, 92130 Issy-les-Moulineaux",
        21,
        1,
        15,
        sessions=(WOMEN, WEB),
        description="Rencontre avec les équipes techniques, atelier cloud et échanges avec des alternantes.",
    ),
    OpportunitySpec(
        "microsoft-france",
        Commitment.Kind.WORK_STUDY,
        "Alternance développeur·se web — 12 mois",
        "Issy-les-Moulineaux",
        45,
        365,
        4,
        tracks=(Track.WEB_DEVELOPER,),
    ),
    OpportunitySpec(
        "orange",
        Commitment.Kind.WORK_STUDY,
        "Alternance technicien·ne réseaux et sécurité",
        "Orange Gardens, 92320 Châtillon",
        40,
        365,
        6,
        tracks=(Track.CYBERSECURITY, Track.NETWORK_TECHNICIAN),
    ),
    OpportunitySpec(
        "capgemini",
        Commitment.Kind.INTERNSHIP,
        "Stage de fin de formation — développement web",
        "147 quai du Président Roosevelt, 92130 Issy-les-Moulineaux",
        30,
        60,
        5,
        sessions=(WEB,),
    ),
    OpportunitySpec(
        "cisco-france",
        Commitment.Kind.DISCOVERY_DAY,
        "Journée réseaux et données chez Cisco",
        "11 rue Camille Desmoulins, 92130 Issy-les-Moulineaux",
        18,
        1,
        20,
        tracks=(Track.DATA_ANALYST, Track.WEB_DEVELOPER),
    ),
    OpportunitySpec(
        "sopra-steria",
        Commitment.Kind.MENTORING,
        "Parrainage par un·e chef·fe de projet",
        "À distance ou à Paris 17e",
        14,
        180,
        10,
        tracks=(Track.PROJECT_MANAGER, Track.WEB_DEVELOPER),
    ),
]

# (email local part, first name, last name, session, [(opportunity title, status, shares)])
TRAINEES = [
    (
        "apprenante",
        "Fatou",
        "Camara",
        WOMEN,
        [
            ("Journée découverte au campus Microsoft", Interest.Status.TAKEN, ("name", "email")),
            ("Alternance développeur·se web — 12 mois", Interest.Status.INTERESTED, ("name", "email", "phone")),
        ],
    ),
    (
        "apprenant.web",
        "Yanis",
        "Bouzid",
        WEB,
        [
            ("Journée découverte au campus Microsoft", Interest.Status.TAKEN, ("name",)),
            ("Stage de fin de formation — développement web", Interest.Status.TAKEN, ("name", "email")),
            ("Parrainage par un·e chef·fe de projet", Interest.Status.INTERESTED, ()),
        ],
    ),
    (
        "apprenante.web",
        "Léa",
        "Martin",
        WEB,
        [("Journée réseaux et données chez Cisco", Interest.Status.INTERESTED, ("email",))],
    ),
]

# The trainee account listed with the other demo accounts (load() returns it to load_demo).
TRAINEE_EMAIL = f"apprenante@{DEMO_DOMAIN}"
TRAINEE_ACCOUNT = DemoAccount(
    "Trainee (enrolled, Paris Code)", TRAINEE_EMAIL, "Fatou", "Camara", "/opportunites/: the partners' offers"
)


@transaction.atomic
def load():
    """The charter, its signatories' commitments, the partner's account, opportunities, trainees."""
    charter = load_charter()
    partner = account(ACCOUNTS["partner"])
    upsert(
        PartnerMembership,
        company=PartnerCompany.objects.get(slug="microsoft-france"),
        user=partner,
        defaults={"role": PartnerMembership.Role.MANAGER},
    )
    sessions = {s.name: s for s in Session.objects.filter(name__in=[WEB, WOMEN])}
    opportunities = {spec.title: load_opportunity(charter, spec, sessions) for spec in OPPORTUNITIES}
    for local, first_name, last_name, session_name, interests in TRAINEES:
        trainee = load_trainee(local, first_name, last_name)
        application = load_enrolment(trainee, sessions[session_name])
        for title, status, shares in interests:
            load_interest(opportunities[title], trainee, application, status, shares)
    # The trainees' enrolments are written directly (demo rows): their sessions' seat figures follow.
    seats.recount([session.pk for session in sessions.values()])
    return {**ACCOUNTS, "trainee": TRAINEE_ACCOUNT}


def load_opportunity(charter, spec, sessions):
    day0 = timezone.localdate()
    starts_on = day0 + datetime.timedelta(days=spec.starts_in)
    commitment = Commitment.objects.filter(
        signature__charter=charter, signature__company__slug=spec.company, kind=spec.kind
    ).first()
    opportunity, _ = upsert(
        Opportunity,
        company=PartnerCompany.objects.get(slug=spec.company),
        title=spec.title,
        defaults={
            "kind": spec.kind,
            "commitment": commitment,
            "description": spec.description,
            "starts_on": starts_on,
            "ends_on": starts_on + datetime.timedelta(days=spec.days - 1),
            "apply_by": starts_on - datetime.timedelta(days=7),
            "places": spec.places,
            "location": spec.location,
            "is_published": True,
        },
    )
    opportunity.sessions.set([sessions[name] for name in spec.sessions])
    for track in spec.tracks:
        OpportunityTrack.objects.get_or_create(opportunity=opportunity, track=track)
    return opportunity


def load_trainee(local, first_name, last_name):
    email = f"{local}@{DEMO_DOMAIN}"
    user, created = upsert(
        User, email=email, defaults={"first_name": first_name, "last_name": last_name, "is_active": True}
    )
    if created:
        if settings.DEBUG:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
    upsert(EmailAddress, user=user, email=email, defaults={"verified": True, "primary": True})
    upsert(
        CandidateProfile,
        user=user,
        defaults={
            "postcode": "75020",
            "commune": "Paris",
            "lives_in_qpv": True,
            "is_job_seeker": True,
            "qualification_level": QualificationLevel.LEVEL_4,
            "phone": "0601020304",
        },
        create_defaults={"privacy_consent_at": timezone.now()},
    )
    return user


def load_enrolment(trainee, session):
    application, _ = upsert(
        Application,
        candidate=trainee,
        session=session,
        defaults={"status": Status.ENROLLED, "screening_outcome": ScreeningOutcome.ELIGIBLE},
        create_defaults={
            "submitted_at": timezone.now() - datetime.timedelta(days=60),
            "created_at": timezone.now() - datetime.timedelta(days=61),
            "motivation": "Je veux travailler dans le numérique.",
        },
    )
    # As the workflow does at enrolment: the trainee's follow-up, with the situation at entry.
    TraineeFollowUp.objects.open_for(application)
    return application


def load_interest(opportunity, trainee, application, status, shares):
    decided = status != Interest.Status.INTERESTED
    interest, _ = upsert(
        Interest,
        opportunity=opportunity,
        candidate=trainee,
        defaults={
            "application": application,
            "status": status,
            "share_name": "name" in shares,
            "share_email": "email" in shares,
            "share_phone": "phone" in shares,
        },
        create_defaults={
            "message": "Bonjour, je suis très intéressé·e.",
            "decided_at": timezone.now() if decided else None,
        },
    )
    return interest


def load_charter():
    charter, _ = upsert(
        Charter,
        slug=CHARTER["slug"],
        defaults={
            "programme": Programme.objects.get(slug=CHARTER["programme"]),
            "season": CHARTER["season"],
            "title": CHARTER["title"],
            "text_fr": CHARTER["text_fr"],
            "text_en": CHARTER["text_en"],
            "signed_on": CHARTER["signed_on"],
            "is_published": True,
        },
    )
    period_start, period_end = school_year(today())
    for slug, name, website, signatory, title, commitments in SIGNATORIES:
        company, _ = upsert(PartnerCompany, slug=slug, defaults={"name": name, "website": website})
        signature, _ = upsert(
            CharterSignature,
            charter=charter,
            company=company,
            defaults={"signatory_name": signatory, "signatory_title": title, "signed_on": CHARTER["signed_on"]},
        )
        for kind, quantity, session_name in commitments:
            upsert(
                Commitment,
                signature=signature,
                kind=kind,
                defaults={
                    "quantity_promised": quantity,
                    "period_start": period_start,
                    "period_end": period_end,
                    "programme": charter.programme,
                    "session": Session.objects.get(name=session_name) if session_name else None,
                },
            )
    return charter
