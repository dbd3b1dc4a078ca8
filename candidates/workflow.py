"""The application workflow, declared in one place: states, transitions and who may trigger them.

Nothing else decides whether an application may move. ``candidates.services.transition`` reads
this table, checks the actor, writes the history event and schedules side effects; the admin, the
training-centre pages, the candidate's actions and the Celery tasks all call it.
"""

import datetime
import enum
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class TransitionError(Exception):
    """A transition that may not happen; the message is shown to the user as is (translated)."""


class TransitionNotAllowed(TransitionError):
    pass


class TransitionAlreadyDone(TransitionError):
    """The application is already where this transition leads (a double click, a replayed task)."""


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    # Prepared by an adviser with and for the person: nothing is screened or sent to a centre until
    # the person confirms (candidates.advisers.consent).
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("En attente de l'accord du candidat")
    SUBMITTED = "submitted", _("Envoyée, vérification en cours")
    TO_BE_CHECKED = "to_be_checked", _("À vérifier")
    NOT_ELIGIBLE = "not_eligible", _("Non éligible")
    ELIGIBLE = "eligible", _("Éligible")
    INVITED_TO_TEST = "invited_to_test", _("Convoqué aux tests")
    INVITED_TO_INTERVIEW = "invited_to_interview", _("Convoqué à l'entretien")
    WAITLISTED = "waitlisted", _("Liste d'attente")
    SEAT_OFFERED = "seat_offered", _("Place proposée")
    SEAT_ACCEPTED = "seat_accepted", _("Place acceptée")
    # « Oui, en attendant mieux »: the seat is held while a higher-ranked wish is still in play
    # (candidates.wishes); it becomes an acceptance, or is released when a better wish is taken.
    SEAT_HELD = "seat_held", _("Place gardée en attendant mieux")
    ENROLLED = "enrolled", _("Inscrit en formation")
    NO_SHOW = "no_show", _("Absent à l'entrée en formation")
    OFFER_DECLINED = "offer_declined", _("Place refusée par le candidat")
    OFFER_EXPIRED = "offer_expired", _("Proposition expirée")
    REFUSED = "refused", _("Candidature non retenue")
    WITHDRAWN = "withdrawn", _("Retirée par le candidat")


class Actor(models.TextChoices):
    CANDIDATE = "candidate", _("Candidat")
    MUNICIPAL_STAFF = "municipal_staff", _("Agent municipal")
    CENTRE_STAFF = "centre_staff", _("Équipe du centre de formation")
    SYSTEM = "system", _("Automatique")
    # A member of the orienting organisation (France Travail, a Mission locale…) on an application
    # their organisation prepared, while the person lets them follow it (candidates.advisers).
    ADVISER = "adviser", _("Conseiller ou conseillère d'orientation")


# A seat is held from the offer until the candidate leaves (declines, lets it expire, withdraws,
# does not show up): the one definition of the statuses that hold a seat.
SEAT_HOLDING_STATUSES = frozenset({Status.SEAT_OFFERED, Status.SEAT_ACCEPTED, Status.SEAT_HELD, Status.ENROLLED})
# The session's seat figures (programmes.Session columns) and the status each one counts. They are
# written with every move in or out of these statuses, in its transaction, under the session lock
# (candidates.services.transition); pages read them instead of counting applications.
SEAT_COUNTERS = {
    Status.SEAT_OFFERED: "seats_offered",
    Status.SEAT_ACCEPTED: "seats_accepted",
    # A seat held « en attendant mieux » is accepted as far as the session is concerned.
    Status.SEAT_HELD: "seats_accepted",
    Status.ENROLLED: "seats_enrolled",
    Status.WAITLISTED: "waitlist_size",
}
assert SEAT_COUNTERS.keys() >= SEAT_HOLDING_STATUSES  # the seats taken are among the figures
# Statuses that the eligibility screening may still change (re-screening after a rules change).
SCREENABLE_STATUSES = frozenset({Status.SUBMITTED, Status.TO_BE_CHECKED, Status.ELIGIBLE, Status.NOT_ELIGIBLE})
# Where an application's story ends; counted out of the "active applications" limit.
FINAL_STATUSES = frozenset(
    {
        Status.ENROLLED,
        Status.NO_SHOW,
        Status.OFFER_DECLINED,
        Status.OFFER_EXPIRED,
        Status.REFUSED,
        Status.WITHDRAWN,
        Status.NOT_ELIGIBLE,
    }
)
# Not sent yet: a draft, or an application an adviser prepared that the person has not confirmed.
# Neither is screened, counted in the figures, nor seen by municipal staff or a centre.
UNSENT_STATUSES = frozenset({Status.DRAFT, Status.AWAITING_CONFIRMATION})
ACTIVE_STATUSES = frozenset(set(Status) - FINAL_STATUSES - UNSENT_STATUSES)
# From eligible on, the training centre sees the application.
VISIBLE_TO_CENTRE_STATUSES = frozenset(
    {
        Status.ELIGIBLE,
        Status.INVITED_TO_TEST,
        Status.INVITED_TO_INTERVIEW,
        Status.WAITLISTED,
        Status.SEAT_OFFERED,
        Status.SEAT_ACCEPTED,
        Status.SEAT_HELD,
        Status.ENROLLED,
        Status.NO_SHOW,
        Status.OFFER_DECLINED,
        Status.OFFER_EXPIRED,
        Status.REFUSED,
    }
)

STAFF = frozenset({Actor.MUNICIPAL_STAFF, Actor.CENTRE_STAFF})
SELECTION = frozenset({Status.ELIGIBLE, Status.INVITED_TO_TEST, Status.INVITED_TO_INTERVIEW, Status.WAITLISTED})
# Where a seat is taken for good or held: the person's other wishes are released (Transition.releases).
ADMITTED_STATUSES = frozenset({Status.SEAT_ACCEPTED, Status.SEAT_HELD, Status.ENROLLED})


class Releases(enum.Enum):
    """What a move does to the person's other wishes of the same ranking (candidates.wishes)."""

    NOTHING = "nothing"
    ALL_OTHERS = "all_others"  # a seat accepted for good, or a training started
    LOWER = "lower"  # « oui, en attendant mieux »: the higher wishes stay in play


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: Status
    actors: frozenset
    label: str
    # The person's other wishes that this move withdraws, in its transaction, under the locks of
    # their sessions (candidates.services.transition takes them in session-id order first).
    releases: Releases = Releases.NOTHING

    def releases_seat(self, source):
        return source in SEAT_HOLDING_STATUSES and self.target not in SEAT_HOLDING_STATUSES

    def takes_seat(self, source):
        return source not in SEAT_HOLDING_STATUSES and self.target in SEAT_HOLDING_STATUSES

    @property
    def moves_seat_counters(self):
        """Whether this transition may change a session's seat figures, from one of its sources:
        it then runs under the session lock, taken before the application's row."""
        return self.target in SEAT_COUNTERS or bool(self.sources & SEAT_COUNTERS.keys())

    def counter_changes(self, source):
        """``{session field: +1 or -1}``: what this move from ``source`` does to the figures."""
        changes = {}
        if source in SEAT_COUNTERS:
            changes[SEAT_COUNTERS[source]] = -1
        if self.target in SEAT_COUNTERS:
            changes[SEAT_COUNTERS[self.target]] = changes.get(SEAT_COUNTERS[self.target], 0) + 1
        return {field: delta for field, delta in changes.items() if delta}


def _t(name, sources, target, actors, label, releases=Releases.NOTHING):
    return Transition(name, frozenset(sources), target, frozenset(actors), label, releases)


TRANSITIONS = (
    _t("submit", {Status.DRAFT}, Status.SUBMITTED, {Actor.CANDIDATE}, _("Envoyer la candidature")),
    # Applying with and for someone: the adviser sends the draft to the person, who confirms it
    # (then it is submitted, as if they had sent it) or asks for changes.
    _t(
        "request_confirmation",
        {Status.DRAFT},
        Status.AWAITING_CONFIRMATION,
        {Actor.ADVISER},
        _("Envoyer à la personne pour accord"),
    ),
    _t(
        "confirm",
        {Status.AWAITING_CONFIRMATION},
        Status.SUBMITTED,
        {Actor.CANDIDATE},
        _("Confirmer et envoyer la candidature"),
    ),
    _t(
        "return_to_draft",
        {Status.AWAITING_CONFIRMATION},
        Status.DRAFT,
        {Actor.CANDIDATE, Actor.ADVISER},
        _("Reprendre la préparation"),
    ),
    # Screening outcomes: set by the screening task, or by municipal staff after checking a document.
    _t(
        "mark_eligible",
        {Status.SUBMITTED, Status.TO_BE_CHECKED, Status.NOT_ELIGIBLE},
        Status.ELIGIBLE,
        {Actor.SYSTEM, Actor.MUNICIPAL_STAFF},
        _("Déclarer éligible"),
    ),
    _t(
        "mark_not_eligible",
        {Status.SUBMITTED, Status.TO_BE_CHECKED, Status.ELIGIBLE},
        Status.NOT_ELIGIBLE,
        {Actor.SYSTEM, Actor.MUNICIPAL_STAFF},
        _("Déclarer non éligible"),
    ),
    _t(
        "mark_to_be_checked",
        {Status.SUBMITTED, Status.ELIGIBLE, Status.NOT_ELIGIBLE},
        Status.TO_BE_CHECKED,
        {Actor.SYSTEM, Actor.MUNICIPAL_STAFF},
        _("Mettre à vérifier"),
    ),
    _t(
        "invite_to_test",
        {Status.ELIGIBLE, Status.WAITLISTED},
        Status.INVITED_TO_TEST,
        STAFF,
        _("Convoquer aux tests"),
    ),
    _t(
        "invite_to_interview",
        {Status.ELIGIBLE, Status.INVITED_TO_TEST, Status.WAITLISTED},
        Status.INVITED_TO_INTERVIEW,
        STAFF,
        _("Convoquer à l'entretien"),
    ),
    _t(
        "waitlist",
        {Status.ELIGIBLE, Status.INVITED_TO_TEST, Status.INVITED_TO_INTERVIEW},
        Status.WAITLISTED,
        STAFF | {Actor.SYSTEM},
        _("Mettre en liste d'attente"),
    ),
    # Taking a seat must go through candidates.seats (session lock + recheck), which calls this.
    _t("offer_seat", SELECTION, Status.SEAT_OFFERED, STAFF | {Actor.SYSTEM}, _("Proposer une place")),
    # Accepting for good (an offer, or a seat held until now) releases every other wish; holding
    # « en attendant mieux » releases only the lower ones (candidates.wishes explains the ranking).
    _t(
        "accept_offer",
        {Status.SEAT_OFFERED, Status.SEAT_HELD},
        Status.SEAT_ACCEPTED,
        {Actor.CANDIDATE},
        _("Accepter la place"),
        Releases.ALL_OTHERS,
    ),
    _t(
        "hold_offer",
        {Status.SEAT_OFFERED},
        Status.SEAT_HELD,
        {Actor.CANDIDATE},
        _("Accepter en attendant mieux"),
        Releases.LOWER,
    ),
    _t("decline_offer", {Status.SEAT_OFFERED}, Status.OFFER_DECLINED, {Actor.CANDIDATE}, _("Refuser la place")),
    _t("expire_offer", {Status.SEAT_OFFERED}, Status.OFFER_EXPIRED, {Actor.SYSTEM}, _("Faire expirer la proposition")),
    # The training has started: a seat still held « en attendant mieux » becomes the person's, and
    # their higher wishes are released.
    _t(
        "enroll",
        {Status.SEAT_ACCEPTED, Status.SEAT_HELD},
        Status.ENROLLED,
        STAFF,
        _("Inscrire en formation"),
        Releases.ALL_OTHERS,
    ),
    _t("mark_no_show", {Status.SEAT_ACCEPTED, Status.SEAT_HELD}, Status.NO_SHOW, STAFF, _("Déclarer absent")),
    _t(
        "refuse",
        {Status.SUBMITTED, Status.TO_BE_CHECKED} | SELECTION,
        Status.REFUSED,
        STAFF,
        _("Ne pas retenir"),
    ),
    _t(
        "withdraw",
        ACTIVE_STATUSES,
        Status.WITHDRAWN,
        {Actor.CANDIDATE},
        _("Retirer ma candidature"),
    ),
    # A wish withdrawn by the portal because the person accepted or held a better one.
    _t(
        "release_wish",
        ACTIVE_STATUSES,
        Status.WITHDRAWN,
        {Actor.SYSTEM},
        _("Libérer le vœu (place acceptée ailleurs)"),
    ),
)

TRANSITIONS_BY_NAME = {transition.name: transition for transition in TRANSITIONS}


def available_transitions(status, actor):
    """The transitions an actor may trigger from a status, in declaration order."""
    return [t for t in TRANSITIONS if status in t.sources and actor in t.actors]


# --- What each status does to the application's other fields -----------------------------------


class Stamp(enum.Enum):
    """A value a status writes when the application enters it."""

    NOW = "now"  # the time of the transition
    NOW_IF_EMPTY = "now_if_empty"  # the time of the transition, unless the field already holds one
    OFFER_DEADLINE = "offer_deadline"  # offer_deadline(): the programme's answer delay from now


@dataclass(frozen=True)
class StatusFields:
    """The fields a status governs besides the status itself.

    ``sets``: written on entering the status (a value the caller passes through ``changes`` wins);
    ``clears``: emptied on leaving it; ``accepts``: the only fields a transition into this status may
    receive through ``changes`` (the acting user's details: a refusal's reason, an offer's deadline)."""

    sets: dict = field(default_factory=dict)
    clears: tuple = ()
    accepts: frozenset = frozenset()


REFUSAL_FIELDS = frozenset({"refusal_reason", "refusal_reason_shared", "refusal_message"})

STATUS_FIELDS = {
    Status.SUBMITTED: StatusFields(sets={"submitted_at": Stamp.NOW_IF_EMPTY}),
    Status.WAITLISTED: StatusFields(sets={"waitlisted_at": Stamp.NOW}),
    # An offer always carries its deadline (a check constraint), and loses it once answered.
    Status.SEAT_OFFERED: StatusFields(
        sets={"offer_expires_at": Stamp.OFFER_DEADLINE},
        clears=("offer_expires_at",),
        accepts=frozenset({"offer_expires_at"}),
    ),
    Status.REFUSED: StatusFields(accepts=REFUSAL_FIELDS),
}
NO_FIELDS = StatusFields()


def offer_deadline(programme, *, now):
    """When a seat offer made at ``now`` lapses: the programme's answer delay, in days."""
    return now + datetime.timedelta(days=programme.offer_deadline_days)


def check_changes(target, changes):
    """Raise ValueError when ``changes`` names a field a move to ``target`` may not set. ``changes``
    come from code, never from users: a wrong name is a programming error, said loudly."""
    refused = set(changes) - STATUS_FIELDS.get(target, NO_FIELDS).accepts
    if refused:
        raise ValueError(f"A move to {target} cannot set {sorted(refused)}")


def field_changes(application, source, target, *, now, changes):
    """The field values a move from ``source`` to ``target`` writes on ``application`` besides the
    status: what the source clears, what the target sets, then the caller's ``changes`` (checked
    with check_changes)."""
    entering, leaving = STATUS_FIELDS.get(target, NO_FIELDS), STATUS_FIELDS.get(source, NO_FIELDS)
    values = {name: None for name in leaving.clears if source != target}
    for name, stamp in entering.sets.items():
        if stamp is Stamp.NOW:
            values[name] = now
        elif stamp is Stamp.NOW_IF_EMPTY:
            if getattr(application, name) is None:
                values[name] = now
        elif stamp is Stamp.OFFER_DEADLINE:
            values[name] = offer_deadline(application.session.programme, now=now)
    values.update({name: value for name, value in changes.items() if value is not None or name not in entering.sets})
    return values


class RefusalReason(models.TextChoices):
    """Why an application was not retained. Retired reasons stay here (listed in
    RETIRED_REFUSAL_REASONS) so that history remains readable; forms offer only the active ones."""

    SESSION_FULL = "session_full", _("La session est complète")
    PROFILE_MISMATCH = "profile_mismatch", _("Le profil ne correspond pas aux prérequis de la formation")
    TEST_FAILED = "test_failed", _("Les résultats aux tests sont insuffisants")
    INTERVIEW = "interview", _("L'entretien n'a pas permis de confirmer le projet")
    MOTIVATION = "motivation", _("Le projet professionnel n'est pas encore assez précis")
    ABSENT = "absent", _("Absence aux tests ou à l'entretien sans nouvelles")
    INCOMPLETE = "incomplete", _("Le dossier est incomplet")
    DUPLICATE = "duplicate", _("Candidature en double")
    OTHER = "other", _("Autre motif")
    # Retired in season 2: selection by priority audience is now a score, never a refusal reason.
    NOT_PRIORITY_AUDIENCE = "not_priority_audience", _("Ne relève pas des publics prioritaires (motif retiré)")

    @property
    def is_retired(self):
        return self in RETIRED_REFUSAL_REASONS

    @property
    def prepared_message(self):
        """The message offered to staff as a starting point when they share the reason."""
        return REFUSAL_MESSAGES.get(self, "")


RETIRED_REFUSAL_REASONS = frozenset({RefusalReason.NOT_PRIORITY_AUDIENCE})

# Prepared messages to the candidate, one per active reason: staff may edit them before sending.
REFUSAL_MESSAGES = {
    RefusalReason.SESSION_FULL: _(
        "Toutes les places de cette session sont attribuées. Nous vous encourageons à candidater à une "
        "prochaine session : votre profil nous intéresse."
    ),
    RefusalReason.PROFILE_MISMATCH: _(
        "Votre profil ne correspond pas aux prérequis de cette formation. D'autres formations du portail "
        "peuvent mieux vous convenir."
    ),
    RefusalReason.TEST_FAILED: _(
        "Vos résultats aux tests ne permettent pas de vous proposer une place cette fois-ci. Des ateliers "
        "de découverte peuvent vous aider à vous préparer pour une prochaine session."
    ),
    RefusalReason.INTERVIEW: _(
        "L'entretien n'a pas permis de confirmer votre projet pour cette formation. N'hésitez pas à nous "
        "recontacter lorsque votre projet aura mûri."
    ),
    RefusalReason.MOTIVATION: _(
        "Votre projet professionnel mérite d'être précisé avant d'entrer en formation. Un conseiller "
        "France Travail ou une mission locale peut vous y aider."
    ),
    RefusalReason.ABSENT: _(
        "Vous ne vous êtes pas présenté(e) à la convocation et nous n'avons pas eu de nouvelles de votre part."
    ),
    RefusalReason.INCOMPLETE: _(
        "Votre dossier est incomplet : il manque des justificatifs demandés. Vous pouvez candidater à "
        "nouveau avec un dossier complet."
    ),
    RefusalReason.DUPLICATE: _("Vous avez déjà une candidature en cours pour cette formation."),
    RefusalReason.OTHER: "",
}


def active_refusal_reasons():
    """Choices for forms: the reasons staff may still pick."""
    return [(value, label) for value, label in RefusalReason.choices if value not in RETIRED_REFUSAL_REASONS]
