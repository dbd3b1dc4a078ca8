"""The eligibility rules engine: plain data in, an explainable result out.

Pure on purpose: no database access, no clock. ``evaluate(rules, answers, session_start=...)``
is what the screening service, the batch re-screening and the candidates' public "Am I
eligible?" check all call, so that they can never disagree.

- ``Rules``: one version of a programme's (or session's) rules, from an ``EligibilityRuleSet``
  row (``Rules.from_rule_set``) or built directly in tests.
- ``Answers``: what the candidate declared (``Answers.from_profile``) plus the criteria staff
  verified or rejected after seeing a document, or that an adviser of an habilitée organisation
  attested (``attestations``: who and when, shown in the result), and the kind of organisation
  that oriented the application (``oriented_by``), which the rules may weigh.
- ``Result``: the outcome (eligible / not_eligible / to_be_checked), one ``Criterion`` per rule
  applied (code, status, reason code, French and English message, what is needed), the priority
  score and the priority audiences the candidate belongs to.

Outcome: any criterion not met → not eligible; else any criterion to be checked (an answer is
missing, a document must be seen) → to be checked; else eligible.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

ELIGIBLE = "eligible"
NOT_ELIGIBLE = "not_eligible"
TO_BE_CHECKED = "to_be_checked"
OUTCOMES = (ELIGIBLE, NOT_ELIGIBLE, TO_BE_CHECKED)

MET = "met"
NOT_MET = "not_met"
# A criterion's status "to_be_checked" has the same spelling as the outcome.

VERIFIED = "verified"
REJECTED = "rejected"
VERIFICATION_DECISIONS = (VERIFIED, REJECTED)

# Criterion codes (stable: stored in screenings and staff verifications).
AGE = "age"
# Who can vouch for a birth date besides the candidate (Answers.birth_date_verified_by).
FRANCECONNECT = "franceconnect"
QUALIFICATION = "qualification"
JOB_SEEKER = "job_seeker"
RESIDENCE = "residence"
QPV = "qpv"
RULES = "rules"  # no rules defined yet: staff must look
CRITERIA = (AGE, QUALIFICATION, JOB_SEEKER, RESIDENCE, QPV)
# Facts that are no condition of entry but place the candidate in a priority audience; a staff
# check or an adviser's attestation may confirm them (or, for staff, reject them).
RSA_CRITERION = "rsa"
RQTH_CRITERION = "rqth"
# Verified facts the audiences read instead of the declarations (criterion code -> answer).
VERIFIABLE_FACTS = {
    JOB_SEEKER: "is_job_seeker",
    QPV: "lives_in_qpv",
    RSA_CRITERION: "receives_rsa",
    RQTH_CRITERION: "has_rqth",
}
VERIFIABLE = (*CRITERIA, RSA_CRITERION, RQTH_CRITERION)
ATTESTED = "attested"  # reason code of a criterion an adviser attested
ATTESTATION_KEYS = ("organisation", "adviser", "date", "until")
# Priority weights may also reward the kind of organisation that oriented the application:
# ``{"oriented_by:france_travail": 15}`` (the kinds are candidates.advisers.models.OrganisationKind).
ORIENTED_BY_PREFIX = "oriented_by:"
_ORIENTATION_KEY = re.compile(r"^oriented_by:[a-z_]{1,40}$")

# Priority audiences (the values of programmes.models.PriorityAudience, repeated here so that the
# engine does not import models).
WOMEN = "women"
UNDER_26_WITHOUT_DIPLOMA = "under_26_without_diploma"
AGED_50_PLUS = "aged_50_plus"
QPV_RESIDENTS = "qpv_residents"
JOB_SEEKERS = "job_seekers"
LONG_TERM_JOB_SEEKERS = "long_term_job_seekers"
RSA_RECIPIENTS = "rsa_recipients"
RQTH = "rqth"
AUDIENCES = (
    WOMEN,
    UNDER_26_WITHOUT_DIPLOMA,
    AGED_50_PLUS,
    QPV_RESIDENTS,
    JOB_SEEKERS,
    LONG_TERM_JOB_SEEKERS,
    RSA_RECIPIENTS,
    RQTH,
)
LONG_TERM_MONTHS = 12
NO_DIPLOMA_BELOW = 3  # levels below 3 (CAP/BEP) mean "no diploma" on the French scale
# With a QPV policy "priority" and no explicit weight, QPV residence still counts this much.
DEFAULT_QPV_PRIORITY_WEIGHT = 10

QPV_REQUIRED = "required"
QPV_PRIORITY = "priority"
QPV_IGNORED = "ignored"

# Reason codes → French source messages (translated with gettext at render time). Parameters are
# filled with %-formatting from the criterion's ``params``.
MESSAGES = {
    "age.missing": gettext_noop("Indiquez votre date de naissance : l'âge est un critère de cette formation."),
    "age.invalid": gettext_noop("La date de naissance indiquée est postérieure au début de la session."),
    "age.too_young": gettext_noop(
        "Il faut avoir au moins %(min_age)s ans au début de la session (vous aurez %(age)s ans)."
    ),
    "age.too_old": gettext_noop(
        "Il faut avoir au plus %(max_age)s ans au début de la session (vous aurez %(age)s ans)."
    ),
    "age.ok": gettext_noop("Vous aurez %(age)s ans au début de la session : l'âge demandé est respecté."),
    "age.franceconnect": gettext_noop(
        "Vous aurez %(age)s ans au début de la session : l'âge demandé est respecté "
        "(date de naissance vérifiée par FranceConnect)."
    ),
    "qualification.missing": gettext_noop("Indiquez votre diplôme le plus élevé."),
    "qualification.too_high": gettext_noop(
        "Cette formation s'adresse aux personnes dont le diplôme le plus élevé est au plus de niveau "
        "%(max_level)s ; vous avez indiqué le niveau %(level)s."
    ),
    "qualification.ok": gettext_noop("Votre niveau de diplôme correspond au public de cette formation."),
    "job_seeker.missing": gettext_noop("Indiquez si vous êtes inscrit(e) à France Travail (ex-Pôle emploi)."),
    "job_seeker.not_registered": gettext_noop(
        "Cette formation est réservée aux personnes inscrites à France Travail (ex-Pôle emploi)."
    ),
    "job_seeker.since_missing": gettext_noop(
        "Indiquez depuis quand vous êtes inscrit(e) à France Travail : il faut l'être depuis au moins %(min_months)s mois."
    ),
    "job_seeker.since_invalid": gettext_noop("La date d'inscription à France Travail indiquée est dans le futur."),
    "job_seeker.too_recent": gettext_noop(
        "Il faut être inscrit(e) à France Travail depuis au moins %(min_months)s mois au début de la session "
        "(vous le serez depuis %(months)s mois)."
    ),
    "job_seeker.proof_needed": gettext_noop(
        "Votre ancienneté d'inscription à France Travail doit être vérifiée : l'équipe a besoin de votre "
        "attestation d'inscription."
    ),
    "job_seeker.ok": gettext_noop("Votre inscription à France Travail correspond aux conditions de la formation."),
    "residence.missing": gettext_noop("Indiquez votre code postal et votre commune de résidence."),
    "residence.invalid_postcode": gettext_noop("Le code postal indiqué n'est pas valide (5 chiffres)."),
    "residence.outside": gettext_noop(
        "Cette formation est réservée aux habitants de : %(places)s. Vous avez indiqué %(where)s."
    ),
    "residence.ok": gettext_noop("Votre lieu de résidence fait partie du territoire de la formation."),
    "qpv.missing": gettext_noop("Indiquez si vous habitez dans un quartier prioritaire de la politique de la ville."),
    "qpv.not_resident": gettext_noop(
        "Cette formation est réservée aux habitants d'un quartier prioritaire de la politique de la ville (QPV)."
    ),
    "qpv.ok": gettext_noop("Vous habitez dans un quartier prioritaire : le critère est respecté."),
    "rules.missing": gettext_noop(
        "Les conditions d'accès de cette formation ne sont pas encore publiées : l'équipe examinera votre candidature."
    ),
    "verified": gettext_noop("Vérifié par l'équipe du programme au vu d'un justificatif."),
    "attested": gettext_noop("Attesté par %(organisation)s (%(adviser)s) le %(date)s, valable jusqu'au %(until)s."),
    "rejected": gettext_noop("Non confirmé par l'équipe du programme au vu des justificatifs."),
}


# The same, in « Facile à lire et à comprendre » (FALC): short sentences, one idea each, everyday
# words, the reader addressed directly. Every reason code has one (a test checks it).
EASY_READ_MESSAGES = {
    "age.missing": gettext_noop("Il faut un âge pour cette formation. Écrivez votre date de naissance."),
    "age.invalid": gettext_noop("Votre date de naissance est après le début de la formation. Vérifiez la date."),
    "age.too_young": gettext_noop(
        "Il faut avoir %(min_age)s ans ou plus au début de la formation. Vous aurez %(age)s ans. "
        "Vous êtes trop jeune pour cette formation."
    ),
    "age.too_old": gettext_noop(
        "Il faut avoir %(max_age)s ans ou moins au début de la formation. Vous aurez %(age)s ans. "
        "Cette formation n'est pas pour votre âge."
    ),
    "age.ok": gettext_noop("Vous aurez %(age)s ans au début de la formation. Votre âge est bon."),
    "age.franceconnect": gettext_noop(
        "Vous aurez %(age)s ans au début de la formation. Votre âge est bon. FranceConnect a vérifié votre date "
        "de naissance."
    ),
    "qualification.missing": gettext_noop("Dites-nous votre diplôme le plus haut."),
    "qualification.too_high": gettext_noop(
        "Cette formation est pour les personnes avec peu de diplômes. Le diplôme le plus haut accepté est de "
        "niveau %(max_level)s. Votre diplôme est de niveau %(level)s."
    ),
    "qualification.ok": gettext_noop("Votre diplôme est bon pour cette formation."),
    "job_seeker.missing": gettext_noop("Dites-nous si vous êtes inscrit à France Travail."),
    "job_seeker.not_registered": gettext_noop(
        "Cette formation est pour les personnes inscrites à France Travail. Vous n'êtes pas inscrit."
    ),
    "job_seeker.since_missing": gettext_noop(
        "Dites-nous depuis quand vous êtes inscrit à France Travail. Il faut être inscrit depuis %(min_months)s "
        "mois ou plus."
    ),
    "job_seeker.since_invalid": gettext_noop(
        "La date de votre inscription à France Travail est dans le futur. Vérifiez la date."
    ),
    "job_seeker.too_recent": gettext_noop(
        "Il faut être inscrit à France Travail depuis %(min_months)s mois ou plus. Au début de la formation, "
        "vous serez inscrit depuis %(months)s mois."
    ),
    "job_seeker.proof_needed": gettext_noop(
        "Nous devons vérifier votre inscription à France Travail. Envoyez-nous votre attestation d'inscription."
    ),
    "job_seeker.ok": gettext_noop("Votre inscription à France Travail est bonne pour cette formation."),
    "residence.missing": gettext_noop("Écrivez votre code postal. Écrivez votre commune."),
    "residence.invalid_postcode": gettext_noop("Votre code postal n'est pas bon. Il faut 5 chiffres."),
    "residence.outside": gettext_noop(
        "Cette formation est pour les personnes qui habitent ici : %(places)s. Vous habitez : %(where)s."
    ),
    "residence.ok": gettext_noop("Vous habitez au bon endroit pour cette formation."),
    "qpv.missing": gettext_noop(
        "Dites-nous si vous habitez dans un quartier prioritaire. Un quartier prioritaire est un quartier aidé "
        "par l'État."
    ),
    "qpv.not_resident": gettext_noop(
        "Cette formation est pour les personnes qui habitent dans un quartier prioritaire. Un quartier "
        "prioritaire est un quartier aidé par l'État."
    ),
    "qpv.ok": gettext_noop("Vous habitez dans un quartier prioritaire. C'est bon pour cette formation."),
    "rules.missing": gettext_noop(
        "Les conditions de cette formation ne sont pas encore écrites. Une personne de l'équipe va lire votre "
        "candidature."
    ),
    "verified": gettext_noop("L'équipe a vérifié votre document. C'est bon."),
    "attested": gettext_noop(
        "%(adviser)s de %(organisation)s a dit que c'est vrai, le %(date)s. C'est valable jusqu'au %(until)s."
    ),
    "rejected": gettext_noop("L'équipe a regardé vos documents. Ils ne montrent pas que c'est vrai."),
}


# What each criterion is about, in FALC: its name and what it asks (the « Facile à lire » page).
EASY_READ_CRITERIA = {
    AGE: (
        gettext_noop("Votre âge"),
        gettext_noop("Certaines formations sont pour un âge précis. Nous comptons votre âge le premier jour."),
    ),
    QUALIFICATION: (
        gettext_noop("Votre diplôme"),
        gettext_noop(
            "Certaines formations sont pour les personnes avec peu de diplômes. Nous regardons votre diplôme le "
            "plus haut."
        ),
    ),
    JOB_SEEKER: (
        gettext_noop("France Travail"),
        gettext_noop(
            "Certaines formations sont pour les personnes inscrites à France Travail. Parfois, il faut être "
            "inscrit depuis longtemps."
        ),
    ),
    RESIDENCE: (
        gettext_noop("Là où vous habitez"),
        gettext_noop("Certaines formations sont pour les personnes d'une ville ou d'un département."),
    ),
    QPV: (
        gettext_noop("Quartier prioritaire"),
        gettext_noop(
            "Un quartier prioritaire est un quartier aidé par l'État. Certaines formations sont pour les "
            "personnes qui y habitent."
        ),
    ),
}


@lru_cache(maxsize=4096)
def _render(reason_code, params, language, easy_read=False):
    template = (EASY_READ_MESSAGES if easy_read else MESSAGES).get(reason_code) or MESSAGES.get(
        reason_code, reason_code
    )
    with translation.override(language):
        text = gettext(template)
    return text % dict(params) if params else text


def render_message(reason_code, params=(), language=None, *, easy_read=False):
    """The message for a reason code, in ``language`` (default: the active language); in
    « Facile à lire et à comprendre » with ``easy_read``."""
    language = language or translation.get_language() or "fr"
    if isinstance(params, dict):
        params = tuple(sorted(params.items()))
    return _render(reason_code, tuple(params), language[:2], easy_read)


# --- Input data ------------------------------------------------------------------------------


def orientation_weight_key(kind):
    return f"{ORIENTED_BY_PREFIX}{kind}"


def _clean_weights(weights):
    """Priority weights as {audience or ``oriented_by:<kind>``: non-negative int}; unknown
    audiences and bad values dropped, negative weights count as zero (a priority never lowers a
    score)."""
    cleaned = {}
    for audience, weight in (weights or {}).items() if isinstance(weights, dict) else ():
        if audience not in AUDIENCES and not (isinstance(audience, str) and _ORIENTATION_KEY.match(audience)):
            continue
        try:
            value = int(weight)
        except (TypeError, ValueError, OverflowError):
            continue
        cleaned[audience] = max(value, 0)
    return cleaned


@dataclass(frozen=True)
class Rules:
    """One version of eligibility rules. Every bound is optional (None or empty: no restriction)."""

    min_age: int | None = None
    max_age: int | None = None  # inclusive: the age on the session's first day
    max_qualification_level: int | None = None
    job_seeker_required: bool = False
    min_job_seeker_months: int | None = None
    allowed_departements: tuple = ()
    allowed_communes: tuple = ()
    qpv_policy: str = QPV_IGNORED
    priority_weights: dict = field(default_factory=dict)
    rule_set_id: int | None = None
    version: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "allowed_departements", tuple(self.allowed_departements or ()))
        object.__setattr__(self, "allowed_communes", tuple(self.allowed_communes or ()))
        object.__setattr__(self, "priority_weights", _clean_weights(self.priority_weights))

    @classmethod
    def from_rule_set(cls, rule_set):
        """From an ``EligibilityRuleSet`` (or anything with the same attributes)."""
        return cls(
            min_age=rule_set.min_age,
            max_age=rule_set.max_age,
            max_qualification_level=rule_set.max_qualification_level,
            job_seeker_required=bool(rule_set.job_seeker_required),
            min_job_seeker_months=rule_set.min_job_seeker_months,
            allowed_departements=[
                str(d).strip().upper() for d in (rule_set.allowed_departements or []) if str(d).strip()
            ],
            allowed_communes=[str(c).strip() for c in (rule_set.allowed_communes or []) if str(c).strip()],
            qpv_policy=rule_set.qpv_policy or QPV_IGNORED,
            priority_weights=rule_set.priority_weights or {},
            rule_set_id=rule_set.pk,
            version=rule_set.version,
        )

    @property
    def weights(self):
        weights = dict(self.priority_weights)
        if self.qpv_policy == QPV_PRIORITY:
            weights.setdefault(QPV_RESIDENTS, DEFAULT_QPV_PRIORITY_WEIGHT)
        elif self.qpv_policy == QPV_IGNORED:
            # QPV residence neither selects nor ranks.
            weights.pop(QPV_RESIDENTS, None)
        return weights


def _date(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def _bool(value):
    return None if value is None or value == "" else bool(value)


def _int(value):
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


@dataclass(frozen=True)
class Answers:
    """What the engine looks at. ``None`` means "not answered" (never the same as False).

    ``verifications`` maps a criterion code to "verified" or "rejected": a staff member saw the
    document and decided, or an adviser attested it; it overrides what the declarations alone
    would give. ``attestations`` maps the codes an adviser attested to who and when
    (``organisation``, ``adviser``, ``date``, ``until``: strings shown as they are).
    ``oriented_by``: the kind of organisation that oriented the application ("" if none)."""

    birth_date: datetime.date | None = None
    gender: str = ""
    postcode: str = ""
    commune: str = ""
    lives_in_qpv: bool | None = None
    is_job_seeker: bool | None = None
    job_seeker_since: datetime.date | None = None
    qualification_level: int | None = None
    receives_rsa: bool | None = None
    has_rqth: bool | None = None
    verifications: dict = field(default_factory=dict)
    attestations: dict = field(default_factory=dict)
    oriented_by: str = ""
    # Who vouched for the birth date, when not only the candidate: "franceconnect" (the State's
    # identity federation). The age criterion then says so, and needs no check by staff.
    birth_date_verified_by: str = ""

    def __post_init__(self):
        object.__setattr__(self, "birth_date", _date(self.birth_date))
        object.__setattr__(self, "job_seeker_since", _date(self.job_seeker_since))
        object.__setattr__(self, "gender", str(self.gender or ""))
        object.__setattr__(self, "postcode", str(self.postcode or "").strip())
        object.__setattr__(self, "commune", str(self.commune or "").strip())
        object.__setattr__(self, "birth_date_verified_by", str(self.birth_date_verified_by or ""))
        for name in ("lives_in_qpv", "is_job_seeker", "receives_rsa", "has_rqth"):
            object.__setattr__(self, name, _bool(getattr(self, name)))
        object.__setattr__(self, "qualification_level", _int(self.qualification_level))
        verifications = self.verifications if isinstance(self.verifications, dict) else {}
        object.__setattr__(
            self,
            "verifications",
            {code: decision for code, decision in verifications.items() if decision in VERIFICATION_DECISIONS},
        )
        attestations = self.attestations if isinstance(self.attestations, dict) else {}
        object.__setattr__(
            self,
            "attestations",
            {
                code: {key: str(value) for key, value in sorted(details.items()) if key in ATTESTATION_KEYS}
                for code, details in attestations.items()
                if isinstance(details, dict) and self.verifications.get(code) == VERIFIED
            },
        )
        object.__setattr__(self, "oriented_by", str(self.oriented_by or ""))

    FIELDS = (
        "birth_date",
        "gender",
        "postcode",
        "commune",
        "lives_in_qpv",
        "is_job_seeker",
        "job_seeker_since",
        "qualification_level",
        "receives_rsa",
        "has_rqth",
    )

    @classmethod
    def from_profile(cls, profile, *, verifications=None, attestations=None, oriented_by=""):
        """From a ``CandidateProfile`` (or any object or mapping with the same names)."""
        extra = {"verifications": verifications or {}, "attestations": attestations or {}, "oriented_by": oriented_by}
        if profile is None:
            return cls(**extra)
        if isinstance(profile, dict):
            values = {name: profile.get(name) for name in cls.FIELDS}
            verified_by = profile.get("identity_verified_by")
        else:
            values = {name: getattr(profile, name, None) for name in cls.FIELDS}
            verified_by = getattr(profile, "identity_verified_by", "")
        return cls(**values, **extra, birth_date_verified_by=verified_by or "")

    @classmethod
    def from_dict(cls, data):
        """From ``to_dict()``'s output (a stored screening's inputs)."""
        data = data or {}
        return cls(
            **{name: data.get(name) for name in cls.FIELDS},
            verifications=data.get("verifications") or {},
            attestations=data.get("attestations") or {},
            oriented_by=data.get("oriented_by") or "",
            birth_date_verified_by=data.get("birth_date_verified_by") or "",
        )

    def to_dict(self):
        """JSON-ready: dates as ISO strings. Attestations and the orientation appear only when
        there are some: the inputs of screenings without them (and their signatures) stay as
        they were before they existed."""
        data = {name: getattr(self, name) for name in self.FIELDS}
        for name in ("birth_date", "job_seeker_since"):
            if data[name] is not None:
                data[name] = data[name].isoformat()
        data["verifications"] = dict(sorted(self.verifications.items()))
        if self.attestations:
            data["attestations"] = dict(sorted(self.attestations.items()))
        if self.oriented_by:
            data["oriented_by"] = self.oriented_by
        if self.birth_date_verified_by:  # (absent otherwise: earlier screenings' inputs stay the same)
            data["birth_date_verified_by"] = self.birth_date_verified_by
        return data

    def with_verified_facts(self):
        """The answers the audiences read: a verified fact counts as declared « yes », a rejected
        one as « no » (the declarations stay as they were in the stored inputs)."""
        facts = {
            VERIFIABLE_FACTS[code]: decision == VERIFIED
            for code, decision in self.verifications.items()
            if code in VERIFIABLE_FACTS and getattr(self, VERIFIABLE_FACTS[code]) != (decision == VERIFIED)
        }
        return replace(self, **facts) if facts else self


# --- Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    code: str
    status: str  # met / not_met / to_be_checked
    reason_code: str
    params: tuple = ()
    needs: tuple = ()  # answers or documents still needed: "birth_date", "document:job_seeker_proof"…

    @property
    def message(self):
        """The explanation, in the active language."""
        return render_message(self.reason_code, self.params)

    @property
    def easy_read_message(self):
        """The explanation in « Facile à lire et à comprendre », in the active language."""
        return render_message(self.reason_code, self.params, easy_read=True)

    @property
    def message_fr(self):
        return render_message(self.reason_code, self.params, "fr")

    @property
    def message_en(self):
        return render_message(self.reason_code, self.params, "en")

    def to_dict(self):
        return {
            "code": self.code,
            "status": self.status,
            "reason_code": self.reason_code,
            "params": dict(self.params),
            "needs": list(self.needs),
            "message_fr": self.message_fr,
            "message_en": self.message_en,
        }


@dataclass(frozen=True)
class Result:
    outcome: str
    criteria: tuple
    priority_score: int
    audiences: frozenset
    age: int | None = None

    @property
    def needs(self):
        return tuple(need for criterion in self.criteria for need in criterion.needs)

    def criterion(self, code):
        return next((c for c in self.criteria if c.code == code), None)

    def reasons(self, status):
        return [c for c in self.criteria if c.status == status]

    def criteria_as_json(self):
        return [criterion.to_dict() for criterion in self.criteria]

    def to_dict(self):
        return {
            "outcome": self.outcome,
            "criteria": self.criteria_as_json(),
            "priority_score": self.priority_score,
            "audiences": sorted(self.audiences),
        }


# --- Computations ----------------------------------------------------------------------------


def age_on(birth_date, day):
    """Full years on ``day``: someone born on 12 March 2000 is 26 from 12 March 2026 on.

    Born on 29 February: one more year on 1 March of common years (French civil practice)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


# The ages a birth date may give, in full years: outside them it is a typing mistake. The one pair
# of bounds of every form that asks a birth date (the profile, the "Am I eligible?" check) and of
# this engine (an implausible birth date makes the age "to be checked").
MIN_PLAUSIBLE_AGE = 15
MAX_PLAUSIBLE_AGE = 100


def plausible_birth_date(birth_date, on):
    """Whether ``birth_date`` gives a plausible age on ``on`` (never a date after ``on``)."""
    return birth_date <= on and MIN_PLAUSIBLE_AGE <= age_on(birth_date, on) <= MAX_PLAUSIBLE_AGE


def full_months_between(start, end):
    """Full months from ``start`` to ``end`` (registered on 15 Jan → 12 months on 15 Jan next year)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        # The anniversary day does not exist in a shorter month: it falls on that month's last day.
        last_day = (end.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
        if not (end.day == last_day.day and start.day > last_day.day):
            months -= 1
    return months


_POSTCODE = re.compile(r"^[0-9]{5}$")


def departement_of(postcode):
    """The département of a French postcode: "75019" → "75", "97411" → "974", "20200" → "2B"."""
    if not postcode or not _POSTCODE.match(postcode):
        return None
    if postcode.startswith("97") or postcode.startswith("98"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if int(postcode) < 20200 else "2B"
    return postcode[:2]


@lru_cache(maxsize=8192)
def normalise_place(name):
    """Compare commune names without case, accents, hyphens or the "Saint"/"St" variants."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r"\bste\b", "sainte", text)
    return re.sub(r"\bst\b", "saint", text)


def _verified(code, answers):
    decision = answers.verifications.get(code)
    if decision == VERIFIED:
        attestation = answers.attestations.get(code)
        if attestation:
            params = tuple((key, attestation.get(key, "")) for key in ATTESTATION_KEYS)
            return Criterion(code, MET, ATTESTED, params)
        return Criterion(code, MET, VERIFIED)
    if decision == REJECTED:
        return Criterion(code, NOT_MET, REJECTED)
    return None


def _age_criterion(rules, answers, age, session_start):
    if rules.min_age is None and rules.max_age is None:
        return None
    if answers.birth_date is None:
        return Criterion(AGE, TO_BE_CHECKED, "age.missing", needs=("birth_date",))
    if not plausible_birth_date(answers.birth_date, session_start):
        return Criterion(AGE, TO_BE_CHECKED, "age.invalid", needs=("birth_date",))
    if rules.min_age is not None and age < rules.min_age:
        return Criterion(AGE, NOT_MET, "age.too_young", (("age", age), ("min_age", rules.min_age)))
    if rules.max_age is not None and age > rules.max_age:
        return Criterion(AGE, NOT_MET, "age.too_old", (("age", age), ("max_age", rules.max_age)))
    if answers.birth_date_verified_by == FRANCECONNECT:
        return Criterion(AGE, MET, "age.franceconnect", (("age", age),))
    return Criterion(AGE, MET, "age.ok", (("age", age),))


def _qualification_criterion(rules, answers):
    if rules.max_qualification_level is None:
        return None
    level = answers.qualification_level
    if level is None:
        return Criterion(QUALIFICATION, TO_BE_CHECKED, "qualification.missing", needs=("qualification_level",))
    if level > rules.max_qualification_level:
        return Criterion(
            QUALIFICATION,
            NOT_MET,
            "qualification.too_high",
            (("level", level), ("max_level", rules.max_qualification_level)),
        )
    return Criterion(QUALIFICATION, MET, "qualification.ok")


def _job_seeker_months(answers, session_start):
    if not answers.is_job_seeker or answers.job_seeker_since is None:
        return None
    if answers.job_seeker_since > session_start:
        return -1
    return full_months_between(answers.job_seeker_since, session_start)


def _job_seeker_criterion(rules, answers, months):
    if not rules.job_seeker_required and not rules.min_job_seeker_months:
        return None
    if answers.is_job_seeker is None:
        return Criterion(JOB_SEEKER, TO_BE_CHECKED, "job_seeker.missing", needs=("is_job_seeker",))
    if not answers.is_job_seeker:
        return Criterion(JOB_SEEKER, NOT_MET, "job_seeker.not_registered")
    if not rules.min_job_seeker_months:
        return Criterion(JOB_SEEKER, MET, "job_seeker.ok")
    params = (("min_months", rules.min_job_seeker_months),)
    if months is None:
        return Criterion(JOB_SEEKER, TO_BE_CHECKED, "job_seeker.since_missing", params, needs=("job_seeker_since",))
    if months < 0:
        return Criterion(JOB_SEEKER, TO_BE_CHECKED, "job_seeker.since_invalid", needs=("job_seeker_since",))
    if months < rules.min_job_seeker_months:
        return Criterion(
            JOB_SEEKER, NOT_MET, "job_seeker.too_recent", (("min_months", params[0][1]), ("months", months))
        )
    # Long enough on the candidate's word: the France Travail certificate proves it.
    return Criterion(JOB_SEEKER, TO_BE_CHECKED, "job_seeker.proof_needed", needs=("document:job_seeker_proof",))


def _residence_criterion(rules, answers):
    departements, communes = rules.allowed_departements, rules.allowed_communes
    if not departements and not communes:
        return None
    postcode, commune = answers.postcode, answers.commune
    if not postcode and not commune:
        return Criterion(RESIDENCE, TO_BE_CHECKED, "residence.missing", needs=("postcode", "commune"))
    if postcode and not _POSTCODE.match(postcode):
        return Criterion(RESIDENCE, TO_BE_CHECKED, "residence.invalid_postcode", needs=("postcode",))
    departement = departement_of(postcode)
    if departement is not None and departement in departements:
        return Criterion(RESIDENCE, MET, "residence.ok")
    if communes:
        wanted = {normalise_place(c) for c in communes}
        if (commune and normalise_place(commune) in wanted) or (postcode and postcode in communes):
            return Criterion(RESIDENCE, MET, "residence.ok")
    # Only the département rule applies and the postcode is unknown: we cannot tell yet.
    if departements and not communes and departement is None:
        return Criterion(RESIDENCE, TO_BE_CHECKED, "residence.missing", needs=("postcode",))
    if communes and not departements and not commune and not postcode:
        return Criterion(RESIDENCE, TO_BE_CHECKED, "residence.missing", needs=("commune",))
    places = ", ".join([*departements, *communes])
    where = " ".join(part for part in (postcode, commune) if part)
    return Criterion(RESIDENCE, NOT_MET, "residence.outside", (("places", places), ("where", where)))


def _qpv_criterion(rules, answers):
    if rules.qpv_policy != QPV_REQUIRED:
        return None
    if answers.lives_in_qpv is None:
        return Criterion(QPV, TO_BE_CHECKED, "qpv.missing", needs=("lives_in_qpv",))
    if not answers.lives_in_qpv:
        return Criterion(QPV, NOT_MET, "qpv.not_resident")
    return Criterion(QPV, MET, "qpv.ok")


def audiences_of(answers, age, months):
    """The priority audiences the answers place the candidate in (booleans only add audiences)."""
    audiences = set()
    if answers.gender == "woman":
        audiences.add(WOMEN)
    if age is not None and age >= 0:
        if age < 26 and answers.qualification_level is not None and answers.qualification_level < NO_DIPLOMA_BELOW:
            audiences.add(UNDER_26_WITHOUT_DIPLOMA)
        if age >= 50:
            audiences.add(AGED_50_PLUS)
    if answers.lives_in_qpv:
        audiences.add(QPV_RESIDENTS)
    if answers.is_job_seeker:
        audiences.add(JOB_SEEKERS)
        if months is not None and months >= LONG_TERM_MONTHS:
            audiences.add(LONG_TERM_JOB_SEEKERS)
    if answers.receives_rsa:
        audiences.add(RSA_RECIPIENTS)
    if answers.has_rqth:
        audiences.add(RQTH)
    return frozenset(audiences)


def evaluate(rules, answers, *, session_start):
    """Screen ``answers`` against ``rules`` for a session starting on ``session_start``.

    ``rules=None`` (the programme has no rules yet) gives "to be checked" by staff."""
    session_start = _date(session_start)
    if session_start is None:
        raise TypeError("session_start must be a date")
    if rules is None:
        result = evaluate(Rules(), answers, session_start=session_start)
        missing = Criterion(RULES, TO_BE_CHECKED, "rules.missing")
        return Result(TO_BE_CHECKED, (missing,), result.priority_score, result.audiences, result.age)
    age = age_on(answers.birth_date, session_start) if answers.birth_date is not None else None
    months = _job_seeker_months(answers, session_start)

    # Built directly (no closure per criterion and per call: the batch re-screening calls this 100,000 times).
    verifications = answers.verifications
    criteria = []
    for criterion in (
        _age_criterion(rules, answers, age, session_start),
        _qualification_criterion(rules, answers),
        _job_seeker_criterion(rules, answers, months),
        _residence_criterion(rules, answers),
        _qpv_criterion(rules, answers),
    ):
        if criterion is None:
            continue
        criteria.append((verifications and _verified(criterion.code, answers)) or criterion)
    if verifications:
        # Verified facts that no rule asks for (RSA, RQTH, QPV residence when it only ranks…):
        # shown for what they are, they never change the outcome.
        covered = {criterion.code for criterion in criteria}
        for code in VERIFIABLE:
            if code not in covered and verifications.get(code) == VERIFIED:
                criteria.append(_verified(code, answers))

    statuses = {criterion.status for criterion in criteria}
    if NOT_MET in statuses:
        outcome = NOT_ELIGIBLE
    elif TO_BE_CHECKED in statuses:
        outcome = TO_BE_CHECKED
    else:
        outcome = ELIGIBLE

    audiences = audiences_of(answers.with_verified_facts() if verifications else answers, age, months)
    weights = rules.weights
    score = sum(weights.get(audience, 0) for audience in audiences)
    if answers.oriented_by:
        score += weights.get(orientation_weight_key(answers.oriented_by), 0)
    return Result(outcome=outcome, criteria=tuple(criteria), priority_score=score, audiences=audiences, age=age)


__all__ = [
    "Answers",
    "Criterion",
    "Result",
    "Rules",
    "age_on",
    "departement_of",
    "evaluate",
    "full_months_between",
    "render_message",
]
