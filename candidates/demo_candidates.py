"""Synthetic candidates for ``load_demo --candidates N``: French names (Faker fr_FR), profiles with a
believable audience mix, and one submitted application each, spread over the demo sessions so
that the track families follow Paris Code season 1 (33 % developers, 19 % digital marketing…).

Built for volume (100,000 applications in well under a minute on PostgreSQL): one password hash
for everybody, name pools drawn once from Faker, bulk inserts in batches of a few thousand.
"""

import datetime
import io
import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from candidates.models import (
    AUDIENCE_FLAGS,
    AgeBand,
    Application,
    CandidateProfile,
    ScreeningOutcome,
    Situation,
    TraineeFollowUp,
)
from candidates.workflow import SEAT_COUNTERS, Status
from portal.models import User
from programmes import eligibility
from programmes.eligibility import Answers
from programmes.models import TRACK_FAMILIES, Session, Track, TrackFamily

EMAIL_DOMAIN = "candidats.example.org"
BATCH_SIZE = 5000

# Paris Code season 1: 1,270 trainees, by family (DOMAIN.md).
FAMILY_SHARES = {
    TrackFamily.DEVELOPMENT: 33,
    TrackFamily.DIGITAL_MARKETING: 19,
    TrackFamily.PROJECT_MANAGEMENT: 17,
    TrackFamily.ECOMMERCE: 11,
    TrackFamily.CYBERSECURITY: 3,
    TrackFamily.OTHER: 17,
}

GENDERS = (("woman", 38), ("man", 57), ("other", 1), ("undisclosed", 4))
# (min age, max age, weight)
AGE_BANDS = ((18, 25, 36), (26, 34, 28), (35, 49, 25), (50, 62, 11))
QUALIFICATION_UNDER_26 = ((0, 30), (3, 16), (4, 34), (5, 12), (6, 8))
QUALIFICATION_26_PLUS = ((0, 10), (3, 16), (4, 28), (5, 20), (6, 18), (7, 8))

# Where candidates live: near their session most of the time.
COMMUNES = {
    "75": [(f"750{n:02d}", "Paris") for n in range(1, 21)],
    "93": [
        ("93500", "Pantin"),
        ("93200", "Saint-Denis"),
        ("93100", "Montreuil"),
        ("93380", "Pierrefitte-sur-Seine"),
        ("93300", "Aubervilliers"),
        ("93000", "Bobigny"),
    ],
    "92": [("92390", "Villeneuve-la-Garenne"), ("92230", "Gennevilliers"), ("92000", "Nanterre")],
    "94": [
        ("94400", "Vitry-sur-Seine"),
        ("94200", "Ivry-sur-Seine"),
        ("94000", "Créteil"),
        ("94270", "Le Kremlin-Bicêtre"),
    ],
    "95": [("95500", "Gonesse"), ("95200", "Sarcelles"), ("95140", "Garges-lès-Gonesse")],
    "78": [("78300", "Poissy"), ("78200", "Mantes-la-Jolie"), ("78190", "Trappes")],
    "59": [("59300", "Valenciennes"), ("59410", "Anzin"), ("59220", "Denain")],
}
ILE_DE_FRANCE = [c for dep in ("75", "93", "92", "94", "95", "78") for c in COMMUNES[dep]]

# Status spread: sessions still recruiting, and sessions whose selection is over.
OPEN_STATUSES = (
    (Status.SUBMITTED, 22),
    (Status.TO_BE_CHECKED, 14),
    (Status.ELIGIBLE, 26),
    (Status.NOT_ELIGIBLE, 12),
    (Status.INVITED_TO_TEST, 10),
    (Status.INVITED_TO_INTERVIEW, 6),
    (Status.WAITLISTED, 4),
    (Status.REFUSED, 3),
    (Status.WITHDRAWN, 3),
)
CLOSED_STATUSES = (
    (Status.ENROLLED, 20),
    (Status.REFUSED, 45),
    (Status.NOT_ELIGIBLE, 20),
    (Status.WITHDRAWN, 8),
    (Status.OFFER_DECLINED, 4),
    (Status.NO_SHOW, 3),
)
OUTCOME_BY_STATUS = {
    Status.SUBMITTED: "",
    Status.TO_BE_CHECKED: ScreeningOutcome.TO_BE_CHECKED,
    Status.NOT_ELIGIBLE: ScreeningOutcome.NOT_ELIGIBLE,
}
MOTIVATIONS = (
    "Je veux me reconvertir dans le numérique et trouver un emploi stable.",
    "J'ai commencé à coder seul avec des tutoriels, je veux en faire mon métier.",
    "Après plusieurs années dans la vente, je souhaite travailler dans l'e-commerce.",
    "Je cherche une formation gratuite et reconnue pour retrouver un emploi.",
    "Le numérique m'intéresse depuis longtemps ; cette formation est ma chance.",
)
PRIORITY_WEIGHTS = {
    "is_woman": 10,
    "is_under_26_without_diploma": 15,
    "is_aged_50_plus": 10,
    "is_qpv_resident": 15,
    "is_job_seeker": 5,
    "is_long_term_job_seeker": 10,
    "receives_rsa": 10,
    "has_rqth": 10,
}


def family_quotas(n):
    """How many of ``n`` applications go to each family: exact shares, largest remainders first."""
    total = sum(FAMILY_SHARES.values())
    exact = {family: n * share / total for family, share in FAMILY_SHARES.items()}
    quotas = {family: int(value) for family, value in exact.items()}
    for family in sorted(exact, key=lambda f: exact[f] - quotas[f], reverse=True)[: n - sum(quotas.values())]:
        quotas[family] += 1
    return quotas


def audience_flags(profile, *, session_start):
    """The application's audience columns, as the screening fixes them: the rules engine's
    audiences for this profile and session start (candidates.models.AUDIENCE_FLAGS)."""
    audiences = eligibility.evaluate(
        eligibility.Rules(), Answers.from_profile(profile), session_start=session_start
    ).audiences
    return {flag: audience in audiences for audience, flag in AUDIENCE_FLAGS.items()}


@dataclass
class NamePools:
    women: list
    men: list
    last: list

    @classmethod
    def draw(cls, rng_seed, size=400):
        fake = Faker("fr_FR")
        fake.seed_instance(rng_seed)
        return cls(
            women=[fake.first_name_female() for _ in range(size)],
            men=[fake.first_name_male() for _ in range(size)],
            last=[fake.last_name() for _ in range(size * 2)],
        )


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def sessions_by_family():
    by_family = {family: [] for family in TrackFamily}
    for session in Session.objects.select_related("site", "programme").order_by("pk"):
        by_family[TRACK_FAMILIES[Track(session.track)]].append(session)
    missing = [family.label for family, sessions in by_family.items() if not sessions]
    if missing:
        raise ValueError(f"No demo session for the track families: {', '.join(map(str, missing))}")
    return by_family


def create_candidates(n, *, seed=2017, stdout=None):
    """Create ``n`` synthetic candidates, each with a profile and one submitted application."""
    rng = random.Random(seed)
    names = NamePools.draw(seed)
    password = make_password(None)  # unusable, hashed once: synthetic candidates never log in
    by_family = sessions_by_family()
    plan = [family for family, quota in family_quotas(n).items() for _ in range(quota)]
    rng.shuffle(plan)
    now = timezone.now()
    today = timezone.localdate()
    first_index = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count()
    # The seats already taken: the sessions' own figures.
    seats = Counter(
        dict(Session.objects.values_list("pk", F("seats_offered") + F("seats_accepted") + F("seats_enrolled")))
    )

    # Outcomes drawn apart, so that the candidates stay the same whatever is added after them.
    outcomes = random.Random(seed + 1)
    created = 0
    for start in range(0, n, BATCH_SIZE):
        families = plan[start : start + BATCH_SIZE]
        rows = [
            _candidate(rng, names, first_index + start + i, rng.choice(by_family[family]), today)
            for i, family in enumerate(families)
        ]
        with transaction.atomic():
            users = fast_insert(
                User,
                [
                    User(
                        email=r["email"], first_name=r["first"], last_name=r["last"], password=password, date_joined=now
                    )
                    for r in rows
                ],
            )
            profiles = []
            applications = []
            for user, row in zip(users, rows, strict=True):
                profile = CandidateProfile(user_id=user.pk, privacy_consent_at=now, **row["profile"])
                profiles.append(profile)
                applications.append(_application(rng, user, profile, row, seats, today))
            fast_insert(CandidateProfile, profiles)
            fast_insert(Application, applications)
            fast_insert(
                TraineeFollowUp,
                [
                    _follow_up(outcomes, application, profile, row["session"], today, now)
                    for application, profile, row in zip(applications, profiles, rows, strict=True)
                    if application.status == Status.ENROLLED
                ],
            )
            _add_to_seat_figures(applications)
        created += len(rows)
        if stdout is not None:
            stdout.write(f"  {created} / {n} candidates")
    return created


def _add_to_seat_figures(applications):
    """Rows written in bulk, not moved by the workflow: add them to their sessions' seat figures
    (workflow.SEAT_COUNTERS), in the batch's transaction, the sessions locked in id order."""
    added = Counter(
        (application.session_id, SEAT_COUNTERS[application.status])
        for application in applications
        if application.status in SEAT_COUNTERS
    )
    by_session = {}
    for (session_id, field), count in added.items():
        by_session.setdefault(session_id, {})[field] = F(field) + count
    for session_id in sorted(by_session):
        Session.objects.filter(pk=session_id).update(**by_session[session_id])


def fast_insert(model, objects):
    """``bulk_create``, or on PostgreSQL a COPY with primary keys drawn from the table's sequence:
    Django's INSERT compilation costs more than the database's own work at this volume."""
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    meta = model._meta
    fields = meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
        for field in fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                for obj in objects:
                    field.pre_save(obj, add=True)
        attnames = [field.attname for field in fields]
        data = io.StringIO()
        data.writelines(
            "\t".join([_copy_text(getattr(obj, attname)) for attname in attnames]) + "\n" for obj in objects
        )
        data.seek(0)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        cursor.cursor.copy_expert(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN", data)
    for obj in objects:
        obj._state.adding = False
    return objects


def _copy_text(value):
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.date | uuid.UUID | int | float):
        return str(value) if not isinstance(value, datetime.date) else value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _candidate(rng, names, index, session, today):
    gender = _weighted(rng, GENDERS)
    if session.programme.slug == "pop-school":
        low, high = 18, 25
    else:
        low, high, _ = rng.choices(AGE_BANDS, [band[2] for band in AGE_BANDS])[0]
    age = rng.randint(low, high)
    birth_date = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
    first = rng.choice(names.women if gender == "woman" else names.men if gender == "man" else names.women + names.men)
    last = rng.choice(names.last)
    qualification = _weighted(rng, QUALIFICATION_UNDER_26 if age < 26 else QUALIFICATION_26_PLUS)
    departement = session.site.departement
    if rng.random() < 0.7 or departement == "59":
        postcode, commune = rng.choice(COMMUNES.get(departement, ILE_DE_FRANCE))
    else:
        postcode, commune = rng.choice(ILE_DE_FRANCE)
    is_job_seeker = rng.random() < 0.8
    job_seeker_since = today - datetime.timedelta(days=rng.randint(20, 1100)) if is_job_seeker else None
    return {
        "email": f"{slugify(first)}.{slugify(last)}.{index}@{EMAIL_DOMAIN}",
        "first": first,
        "last": last,
        "session": session,
        "profile": {
            "birth_date": birth_date,
            "gender": gender,
            "postcode": postcode,
            "commune": commune,
            "lives_in_qpv": rng.random() < (0.6 if session.site.in_qpv else 0.3),
            "is_job_seeker": is_job_seeker,
            "job_seeker_since": job_seeker_since,
            "qualification_level": qualification,
            "receives_rsa": rng.random() < 0.15,
            "has_rqth": rng.random() < 0.05,
            "phone": _phone(f"06{rng.randint(0, 99_999_999):08d}"),
        },
    }


def _phone(digits):
    """« 06 12 34 56 78 »: the form profiles keep (candidates.phones)."""
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def _application(rng, user, profile, row, seats, today):
    session = row["session"]
    recruiting = session.applications_close_on >= today
    window_end = min(session.applications_close_on, today)
    window_days = max((window_end - session.applications_open_on).days, 0)
    submitted_on = session.applications_open_on + datetime.timedelta(days=rng.randint(0, window_days))
    status = _weighted(rng, OPEN_STATUSES if recruiting else CLOSED_STATUSES)
    if status == Status.ENROLLED:
        # Never more learners than seats: the rest of a full session's applicants were refused.
        if seats[session.pk] >= session.capacity:
            status = Status.REFUSED
        else:
            seats[session.pk] += 1
    flags = audience_flags(profile, session_start=session.starts_on)
    submitted_at = timezone.make_aware(
        datetime.datetime.combine(submitted_on, datetime.time(rng.randint(7, 22), rng.randint(0, 59)))
    )
    submitted_at = min(submitted_at, timezone.now())
    return Application(
        candidate_id=user.pk,
        session=session,
        status=status,
        # Started as a draft between ten minutes and three days before it was sent.
        created_at=submitted_at - datetime.timedelta(minutes=rng.randint(10, 3 * 24 * 60)),
        submitted_at=submitted_at,
        motivation=rng.choice(MOTIVATIONS),
        screening_outcome=OUTCOME_BY_STATUS.get(status, ScreeningOutcome.ELIGIBLE),
        priority_score=sum(weight for flag, weight in PRIORITY_WEIGHTS.items() if flags[flag]),
        waitlisted_at=submitted_at if status == Status.WAITLISTED else None,
        wish_rank=1,  # one application each: their only wish
        **flags,
    )


EXIT_SITUATIONS = (
    (Situation.EMPLOYED, 34),
    (Situation.SELF_EMPLOYED, 5),
    (Situation.IN_TRAINING, 14),
    (Situation.JOB_SEEKING, 42),
    (Situation.INACTIVE, 5),
)
SIX_MONTH_SITUATIONS = (
    (Situation.EMPLOYED, 52),
    (Situation.SELF_EMPLOYED, 7),
    (Situation.IN_TRAINING, 9),
    (Situation.JOB_SEEKING, 28),
    (Situation.INACTIVE, 4),
)
QUALIFICATIONS = (("obtained", 70), ("not_obtained", 15), ("pending", 10), ("none", 5))


def _follow_up(rng, application, profile, session, today, now):
    """An enrolled trainee's follow-up as the workflow opens it, and, for sessions over, what
    eight in ten of them answered on leaving and six months later."""
    follow_up = TraineeFollowUp(
        application_id=application.pk,
        entered_on=session.starts_on,
        gender=profile.gender,
        age_band=AgeBand.of(eligibility.age_on(profile.birth_date, session.starts_on)),
        qualification_level=profile.qualification_level,
        entry_situation=Situation.JOB_SEEKING if application.is_job_seeker else "",
        long_term_unemployed=application.is_long_term_job_seeker,
        created_at=now,
    )
    if session.ends_on < today and rng.random() < 0.8:
        follow_up.completed = rng.random() < 0.85
        follow_up.qualification = _weighted(rng, QUALIFICATIONS) if follow_up.completed else "not_obtained"
        follow_up.exit_situation = _weighted(rng, EXIT_SITUATIONS)
        follow_up.exit_source = TraineeFollowUp.Source.TRAINEE
        follow_up.exit_recorded_at = now
        if (today - session.ends_on).days >= 182 and rng.random() < 0.7:
            follow_up.six_month_situation = _weighted(rng, SIX_MONTH_SITUATIONS)
            follow_up.six_month_source = TraineeFollowUp.Source.TRAINEE
            follow_up.six_month_recorded_at = now
    return follow_up
