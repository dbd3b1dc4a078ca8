"""Demo data of the catalogue: the real programmes (Paris Code, the Écoles du Web dans les quartiers,
POP School) with their funders, labels and priority audiences; the training structures and their
sites; sessions dated relative to today (most open now, a few soon, some under way or over); the
training-centre account (LePoleS); and the programmes' eligibility rules (programmes.demo_rules).
Loaded by ``load_demo`` (see portal.demo)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from portal.demo import DEMO_DOMAIN, DemoAccount, account, add_months, today, upsert

from . import demo_rules
from .models import (
    Funder,
    Funding,
    PriorityAudience,
    Programme,
    ProgrammeAudience,
    ProgrammeLabel,
    ProviderMembership,
    Session,
    Track,
    TrainingProvider,
    TrainingSite,
)

APPLICATION_STEPS = ["application", "test", "interview"]
ECOLE_DU_WEB_BUDGET_PER_SITE = Decimal("385000.00")
ECOLE_DU_WEB_LEARNERS = 12

ACCOUNTS = {
    "centre_staff": DemoAccount(
        "Training-centre staff (LePoleS)",
        f"centre@{DEMO_DOMAIN}",
        "Karim",
        "Haddad",
        "the Écoles du Web sessions: capacity, dates, tests, seats",
    ),
}

# --- Programmes -------------------------------------------------------------------------------

PROGRAMMES = [
    {
        "slug": "paris-code",
        "name": "Paris Code",
        "short_name": "Paris Code",
        "season": "Saison 2",
        "summary": (
            "Des formations gratuites aux métiers du numérique pour les demandeurs d'emploi, "
            "financées par la Ville de Paris et France Travail."
        ),
        "description": (
            "Paris Code finance des structures de formation pour ouvrir les métiers du numérique aux "
            "Parisiennes et Parisiens qui en sont les plus éloignés : jeunes sortis de l'école sans "
            "diplôme, femmes, seniors, habitants des quartiers populaires, demandeurs d'emploi et "
            "personnes en reconversion. La première saison (2016) a formé 1 270 stagiaires dans 14 "
            "structures ; la saison 2, lancée le 27 septembre 2017 et dotée d'un million d'euros, "
            "publie au moins 1 000 places. Pour le stagiaire, tout est gratuit : une formation coûte "
            "en moyenne 7 000 à 8 000 € par personne, pris en charge par la Ville et France Travail. "
            "Objectif : 2 000 développeurs formés par an."
        ),
        "applications_open_on": datetime.date(2017, 9, 27),
        "applications_close_on": None,
        "funders": [
            ("Ville de Paris", "Ville", Decimal("1000000.00")),
            ("France Travail (ex-Pôle emploi)", "État", None),
        ],
        "labels": [],
        "audiences": [
            (PriorityAudience.WOMEN, 40),
            (PriorityAudience.UNDER_26_WITHOUT_DIPLOMA, 20),
            (PriorityAudience.AGED_50_PLUS, 10),
            (PriorityAudience.QPV_RESIDENTS, 30),
            (PriorityAudience.JOB_SEEKERS, 80),
        ],
    },
    {
        "slug": "ecoles-du-web",
        "name": "Écoles du Web dans les quartiers",
        "short_name": "Ma 6T Va Coder",
        "season": "Promotions 2026-2027",
        "summary": (
            "Dix mois salariés au SMIC pour devenir intégrateur ou développeur web, au cœur des "
            "quartiers prioritaires d'Île-de-France."
        ),
        "description": (
            "Portées par LePoleS, groupe économique solidaire installé dans le quartier de La Caravelle "
            "à Villeneuve-la-Garenne, les Écoles du Web (« Ma 6T Va Coder ») sont des chantiers "
            "d'insertion : 12 salariés-apprenants par promotion, employés 35 heures par semaine au "
            "SMIC pendant dix mois à temps plein, préparent une certification d'intégrateur et "
            "développeur web conçue avec l'école WebForce3. Les bases du web, puis le « code pur » "
            "avec un formateur extérieur, les sites de quatre associations de la Fondation Abbé "
            "Pierre, enfin deux mois de stage en entreprise. Sélection : dossier, tests, entretien. "
            "Labellisées Grande École du Numérique le 3 février 2016 ; budget de 385 000 € par site."
        ),
        "applications_open_on": None,
        "applications_close_on": None,
        "funders": [
            ("État — Grande École du Numérique", "État", None),
            ("LePoleS", "Économie sociale et solidaire", None),
        ],
        "labels": [("gen", datetime.date(2016, 2, 3))],
        "audiences": [
            (PriorityAudience.UNDER_26_WITHOUT_DIPLOMA, 50),
            (PriorityAudience.QPV_RESIDENTS, 60),
            (PriorityAudience.WOMEN, 40),
            (PriorityAudience.JOB_SEEKERS, None),
        ],
    },
    {
        "slug": "pop-school",
        "name": "POP School",
        "short_name": "POP School",
        "season": "Promotions 2026-2027",
        "summary": "Six mois de formation gratuite au développement web et mobile à Valenciennes, pour les 18-25 ans.",
        "description": (
            "Lancée en octobre 2015 par Valenciennes Métropole et POP, entreprise sociale, POP School "
            "forme gratuitement pendant six mois des jeunes de 18 à 25 ans, demandeurs d'emploi, en "
            "reconversion ou sans qualification, sélectionnés uniquement sur critères sociaux et sur "
            "leur motivation. Deux formations certifiantes : « référent numérique » et « développeur "
            "d'applications web et mobile ». Budget : 1 002 758,20 €, financé à 92 % par le Fonds "
            "social européen et à 8 % par Valenciennes Métropole (81 758,20 €)."
        ),
        "applications_open_on": datetime.date(2015, 10, 1),
        "applications_close_on": None,
        "funders": [
            ("Fonds social européen (FSE)", "Europe", Decimal("921000.00")),
            ("Valenciennes Métropole", "Intercommunalité", Decimal("81758.20")),
        ],
        "labels": [("gen", datetime.date(2016, 2, 3))],
        "audiences": [(PriorityAudience.UNDER_26_WITHOUT_DIPLOMA, 60), (PriorityAudience.JOB_SEEKERS, 80)],
    },
]

# --- Structures and their sites ---------------------------------------------------------------

PROVIDERS = [
    {
        "slug": "simplon-co",
        "name": "Simplon.co",
        "kind": TrainingProvider.Kind.SOCIAL_ECONOMY_SCHOOL,
        "website": "https://simplon.co",
        "description": "Entreprise de l'économie sociale et solidaire : formations intensives, courtes et gratuites.",
        "sites": [
            ("Simplon.co Montreuil", "55 rue de Vincennes", "93100", "Montreuil", "93", False, ""),
            ("Simplon.co Paris 20e", "12 rue des Orteaux", "75020", "Paris", "75", True, "Saint-Blaise"),
        ],
    },
    {
        "slug": "webacademie",
        "name": "Web@cadémie (Epitech)",
        "kind": TrainingProvider.Kind.PRIVATE_SCHOOL,
        "website": "https://www.webacademie.org",
        "description": "La formation de développeur web d'Epitech pour les jeunes sans le bac, gratuite.",
        "sites": [("Web@cadémie Paris", "24 rue Pasteur", "94270", "Le Kremlin-Bicêtre", "94", False, "")],
    },
    {
        "slug": "lepoles",
        "name": "LePoleS",
        "kind": TrainingProvider.Kind.SOCIAL_ECONOMY_SCHOOL,
        "website": "",
        "description": (
            "Groupe économique solidaire de Villeneuve-la-Garenne : entreprise d'insertion, centre de "
            "formation linguistique et chantiers d'insertion, dont les Écoles du Web."
        ),
        "sites": [
            (
                "École du Web de Villeneuve-la-Garenne",
                "Quartier de La Caravelle, rez-de-chaussée",
                "92390",
                "Villeneuve-la-Garenne",
                "92",
                True,
                "La Caravelle",
            ),
            ("École du Web de Pantin", "Rue Denis Papin", "93500", "Pantin", "93", True, "Les Quatre-Chemins"),
            (
                "École du Web de Pierrefitte-sur-Seine",
                "Avenue Lénine",
                "93380",
                "Pierrefitte-sur-Seine",
                "93",
                True,
                "Fauvettes - Joncherolles",
            ),
            ("École du Web de Poissy", "Allée de Beauregard", "78300", "Poissy", "78", True, "Beauregard"),
            ("École du Web de Gonesse", "Avenue François Mitterrand", "95500", "Gonesse", "95", True, "La Fauconnière"),
            (
                "École du Web de Vitry-sur-Seine",
                "Avenue Youri Gagarine",
                "94400",
                "Vitry-sur-Seine",
                "94",
                True,
                "Commune de Paris",
            ),
        ],
    },
    {
        "slug": "pop-school",
        "name": "POP School",
        "kind": TrainingProvider.Kind.SOCIAL_ECONOMY_SCHOOL,
        "website": "",
        "description": "École numérique de Valenciennes Métropole et de POP, entreprise sociale.",
        "sites": [("POP School Valenciennes", "Rue des Anciens Combattants", "59300", "Valenciennes", "59", False, "")],
    },
    {
        "slug": "webforce3",
        "name": "WebForce3",
        "kind": TrainingProvider.Kind.PRIVATE_SCHOOL,
        "website": "https://www.wf3.fr",
        "description": "École de formation intensive au code et au marketing digital.",
        "sites": [("WebForce3 Paris", "11 rue de Cambrai", "75019", "Paris", "75", False, "")],
    },
    {
        "slug": "zup-de-co",
        "name": "Zup de Co",
        "kind": TrainingProvider.Kind.ASSOCIATION,
        "website": "",
        "description": "Association, partenaire de la Web@cadémie Ambition Féminine.",
        "sites": [("Zup de Co Paris 18e", "Rue Marx Dormoy", "75018", "Paris", "75", True, "La Chapelle - Évangile")],
    },
]


@dataclass(frozen=True)
class SessionSpec:
    """A session, its dates as offsets in days from today (negative: in the past)."""

    programme: str
    site: str
    name: str
    track: str
    opens: int  # applications open, relative to today
    closes: int
    starts: int
    months: int
    capacity: int
    cost: Decimal | None = None
    rhythm: str = Session.Rhythm.FULL_TIME
    delivery: str = Session.Delivery.ON_SITE
    learner_status: str = Session.LearnerStatus.TRAINEE
    hours: int = 35
    steps: tuple = ("application", "information_meeting", "interview")
    certification: str = ""
    audience: str = ""


EDW = "ecoles-du-web"
EDW_COST = (ECOLE_DU_WEB_BUDGET_PER_SITE / ECOLE_DU_WEB_LEARNERS).quantize(Decimal("0.01"))
EDW_COMMON = {
    "track": Track.WEB_INTEGRATOR,
    "months": 10,
    "capacity": ECOLE_DU_WEB_LEARNERS,
    "cost": EDW_COST,
    "learner_status": Session.LearnerStatus.SALARIED,
    "steps": tuple(APPLICATION_STEPS),
    "certification": "Titre professionnel Intégrateur web / Développeur web et web mobile",
    "audience": "Habitants des quartiers, la plupart de moins de 25 ans, niveau bac ou moins ; les femmes sont encouragées.",
}

SESSIONS = [
    # Paris Code: every track family, most open now.
    SessionSpec(
        "paris-code",
        "Simplon.co Paris 20e",
        "Développeur web et web mobile — promotion 8",
        Track.WEB_DEVELOPER,
        -20,
        30,
        60,
        7,
        24,
        Decimal("7500.00"),
        certification="Titre professionnel Développeur web et web mobile (niveau 5)",
    ),
    SessionSpec(
        "paris-code",
        "Web@cadémie Paris",
        "Web@cadémie Ambition Féminine — promotion 5",
        Track.WEB_DEVELOPER,
        -30,
        21,
        45,
        10,
        20,
        Decimal("8000.00"),
        steps=("application", "test", "interview"),
        audience="Une promotion réservée aux femmes, sans condition de diplôme.",
    ),
    SessionSpec(
        "paris-code",
        "Simplon.co Montreuil",
        "Analyste de données — promotion 3",
        Track.DATA_ANALYST,
        -14,
        40,
        75,
        7,
        18,
        Decimal("7800.00"),
        delivery=Session.Delivery.HYBRID,
    ),
    SessionSpec(
        "paris-code",
        "Simplon.co Montreuil",
        "Technicien cybersécurité — promotion 2",
        Track.CYBERSECURITY,
        -10,
        45,
        90,
        9,
        14,
        Decimal("8000.00"),
        steps=("application", "test", "interview"),
    ),
    SessionSpec(
        "paris-code",
        "WebForce3 Paris",
        "Marketing digital — promotion 6",
        Track.DIGITAL_MARKETING,
        -25,
        14,
        35,
        5,
        16,
        Decimal("7000.00"),
    ),
    SessionSpec(
        "paris-code",
        "WebForce3 Paris",
        "Chef de projet digital — promotion 4",
        Track.PROJECT_MANAGER,
        -7,
        50,
        100,
        6,
        16,
        Decimal("7500.00"),
        rhythm=Session.Rhythm.PART_TIME,
        delivery=Session.Delivery.REMOTE,
        hours=20,
    ),
    SessionSpec(
        "paris-code",
        "Zup de Co Paris 18e",
        "Community manager — promotion 3",
        Track.COMMUNITY_MANAGER,
        10,
        60,
        110,
        5,
        15,
        Decimal("7000.00"),
    ),
    SessionSpec(
        "paris-code",
        "Zup de Co Paris 18e",
        "Vendeur-conseiller e-commerce — promotion 2",
        Track.ECOMMERCE,
        -15,
        25,
        55,
        6,
        15,
        Decimal("7000.00"),
    ),
    SessionSpec(
        "paris-code",
        "Simplon.co Paris 20e",
        "Développeur web et web mobile — promotion 7",
        Track.WEB_DEVELOPER,
        -240,
        -150,
        -120,
        7,
        24,
        Decimal("7500.00"),
    ),
    SessionSpec(
        "paris-code",
        "WebForce3 Paris",
        "Marketing digital — promotion 5",
        Track.DIGITAL_MARKETING,
        -330,
        -250,
        -230,
        5,
        16,
        Decimal("7000.00"),
    ),
    # Écoles du Web: 12 salaried learners, ten months, application → tests → interview.
    SessionSpec(
        EDW,
        "École du Web de Villeneuve-la-Garenne",
        "Ma 6T Va Coder Villeneuve-la-Garenne — promotion 5",
        opens=-30,
        closes=28,
        starts=70,
        **EDW_COMMON,
    ),
    SessionSpec(
        EDW,
        "École du Web de Pantin",
        "Ma 6T Va Coder Pantin — promotion 4",
        opens=-12,
        closes=35,
        starts=77,
        **EDW_COMMON,
    ),
    SessionSpec(
        EDW,
        "École du Web de Pierrefitte-sur-Seine",
        "Ma 6T Va Coder Pierrefitte-sur-Seine — promotion 3",
        opens=-200,
        closes=-140,
        starts=-110,
        **EDW_COMMON,
    ),
    SessionSpec(
        EDW,
        "École du Web de Poissy",
        "Ma 6T Va Coder Poissy — promotion 2",
        opens=-5,
        closes=49,
        starts=98,
        **EDW_COMMON,
    ),
    SessionSpec(
        EDW,
        "École du Web de Gonesse",
        "Ma 6T Va Coder Gonesse — promotion 2",
        opens=14,
        closes=70,
        starts=120,
        **EDW_COMMON,
    ),
    SessionSpec(
        EDW,
        "École du Web de Vitry-sur-Seine",
        "Ma 6T Va Coder Vitry-sur-Seine — promotion 2",
        opens=-20,
        closes=42,
        starts=84,
        **EDW_COMMON,
    ),
    SessionSpec(
        EDW,
        "École du Web de Villeneuve-la-Garenne",
        "Ma 6T Va Coder Villeneuve-la-Garenne — promotion 4",
        opens=-420,
        closes=-360,
        starts=-330,
        **EDW_COMMON,
    ),
    # POP School: six months, 18-25.
    SessionSpec(
        "pop-school",
        "POP School Valenciennes",
        "Développeur d'applications web et mobile — promotion 12",
        Track.MOBILE_DEVELOPER,
        -18,
        30,
        63,
        6,
        20,
        Decimal("6500.00"),
        certification="Titre professionnel Développeur web et web mobile",
    ),
    SessionSpec(
        "pop-school",
        "POP School Valenciennes",
        "Référent numérique — promotion 6",
        Track.DIGITAL_REFERENT,
        -8,
        45,
        80,
        6,
        15,
        Decimal("5500.00"),
        certification="Titre de référent numérique",
    ),
    SessionSpec(
        "pop-school",
        "POP School Valenciennes",
        "Développeur d'applications web et mobile — promotion 11",
        Track.MOBILE_DEVELOPER,
        -260,
        -200,
        -180,
        6,
        20,
        Decimal("6500.00"),
    ),
]


def load():
    """Programmes, structures, sites, sessions, the centre's account and the eligibility rules."""
    programmes = load_programmes()
    sites = load_providers()
    load_sessions(programmes, sites)
    centre = account(ACCOUNTS["centre_staff"])
    upsert(
        ProviderMembership,
        provider=TrainingProvider.objects.get(slug="lepoles"),
        user=centre,
        defaults={"role": ProviderMembership.Role.MANAGER},
    )
    demo_rules.load()
    return ACCOUNTS


def load_programmes():
    programmes = {}
    for spec in PROGRAMMES:
        programme, _ = upsert(
            Programme,
            slug=spec["slug"],
            defaults={
                key: spec[key]
                for key in (
                    "name",
                    "short_name",
                    "season",
                    "summary",
                    "description",
                    "applications_open_on",
                    "applications_close_on",
                )
            }
            | {"is_published": True},
        )
        for name, kind, amount in spec["funders"]:
            funder, _ = upsert(Funder, name=name, defaults={"kind": kind})
            upsert(Funding, programme=programme, funder=funder, defaults={"amount": amount})
        for label, awarded_on in spec["labels"]:
            upsert(ProgrammeLabel, programme=programme, name=label, defaults={"awarded_on": awarded_on})
        for audience, target in spec["audiences"]:
            upsert(ProgrammeAudience, programme=programme, audience=audience, defaults={"target_percent": target})
        programmes[spec["slug"]] = programme
    return programmes


def load_providers():
    sites = {}
    # Fictional contact numbers: 01 99 00 xx xx is the range ARCEP keeps for fiction.
    site_number = 0
    for spec in PROVIDERS:
        provider, _ = upsert(
            TrainingProvider,
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "kind": spec["kind"],
                "website": spec["website"],
                "description": spec["description"],
            },
        )
        for name, address, postcode, commune, departement, in_qpv, qpv_name in spec["sites"]:
            site_number += 1
            site, _ = upsert(
                TrainingSite,
                provider=provider,
                name=name,
                defaults={
                    "address": address,
                    "postcode": postcode,
                    "commune": commune,
                    "departement": departement,
                    "in_qpv": in_qpv,
                    "qpv_name": qpv_name,
                    "contact_email": f"candidatures@{spec['slug']}.example.org",
                    "contact_phone": f"01 99 00 {site_number // 100:02d} {site_number % 100:02d}",
                },
            )
            sites[name] = site
    return sites


def load_sessions(programmes, sites):
    day0 = today()
    sessions = {}
    for spec in SESSIONS:
        starts_on = day0 + datetime.timedelta(days=spec.starts)
        session, _ = upsert(
            Session,
            programme=programmes[spec.programme],
            site=sites[spec.site],
            name=spec.name,
            defaults={
                "track": spec.track,
                "rhythm": spec.rhythm,
                "delivery": spec.delivery,
                "starts_on": starts_on,
                "ends_on": add_months(starts_on, spec.months),
                "hours_per_week": spec.hours,
                "applications_open_on": day0 + datetime.timedelta(days=spec.opens),
                "applications_close_on": day0 + datetime.timedelta(days=spec.closes),
                "capacity": spec.capacity,
                "learner_status": spec.learner_status,
                "cost_per_trainee": spec.cost,
                "selection_steps": list(spec.steps),
                "certification": spec.certification,
                "audience_description": spec.audience,
                "publication": Session.Publication.PUBLISHED,
            },
        )
        sessions[spec.name] = session
        # The structures running a programme's sessions belong to it (their staff may propose more).
        session.programme.training_providers.add(session.site.provider_id)
    return sessions
