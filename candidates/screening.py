"""Eligibility screening: run the rules engine on applications and keep every result, dated.

Two ways in, one meaning:

- ``screen(application_id, *, actor=None)``: one application (the task after submission, a staff
  verification). The status moves through ``candidates.services.transition``.
- ``rescreen(application_ids, *, actor=None)`` and ``rescreen_programme(programme_id, ...)``: many
  applications after a rules change, in chunks with bulk reads and bulk writes.

Both load the same columns (``_load_rows``), decide with the same function (``plan``, which calls
the pure engine ``programmes.eligibility.evaluate``) and differ only in how they write. A plan
whose rules version and inputs equal the current screening's (same ``signature``) writes nothing:
running twice leaves one current screening and no second event.
"""

from __future__ import annotations  # annotations name services' types: read lazily (a cycle)

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from programmes import eligibility
from programmes.eligibility import Answers, Rules
from programmes.models import EligibilityRuleSet, Programme, Session

# tasks: the batch re-screening enqueues its chunks; the tasks wrap this module (docs/architecture.md).
from . import services, tasks
from .models import (
    AUDIENCE_FLAGS,
    Application,
    CriterionVerification,
    RescreeningChunk,
    RescreeningRun,
    Screening,
    my_applications_changed,
)
from .workflow import SCREENABLE_STATUSES, Actor, Status

logger = logging.getLogger(__name__)

OUTCOME_STATUS = {
    eligibility.ELIGIBLE: Status.ELIGIBLE,
    eligibility.NOT_ELIGIBLE: Status.NOT_ELIGIBLE,
    eligibility.TO_BE_CHECKED: Status.TO_BE_CHECKED,
}
STATUS_TRANSITION = {
    Status.ELIGIBLE: "mark_eligible",
    Status.NOT_ELIGIBLE: "mark_not_eligible",
    Status.TO_BE_CHECKED: "mark_to_be_checked",
}
SCREENING_FIELDS = ["current_screening", "screening_outcome", "priority_score", *AUDIENCE_FLAGS.values(), "updated_at"]

PROFILE = "candidate__candidate_profile__"
ROW_FIELDS = (
    "pk",
    "status",
    "candidate_id",
    "session_id",
    "session__starts_on",
    "current_screening_id",
    "current_screening__signature",
    "oriented_by__kind",
    *(PROFILE + name for name in Answers.FIELDS),
    PROFILE + "identity_verified_by",
)

PROFILE_KEYS = tuple((name, PROFILE + name) for name in Answers.FIELDS)


# --- Reading and deciding (shared by both paths) ---------------------------------------------


def _load_rows(ids, *, lock):
    queryset = Application.objects.filter(pk__in=ids, status__in=SCREENABLE_STATUSES).order_by("pk")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return list(queryset.values(*ROW_FIELDS))


def _decisions(rows, *, now):
    """The latest decision in force per criterion of each application, and who attested those an
    adviser attested: ``({application_id: {criterion: decision}}, {application_id: {criterion:
    {organisation, adviser, date, until}}})``. Staff checks are about one application; an
    adviser's attestation about the person, for all their applications, until it expires and while
    its organisation is habilitée (``CriterionVerification.objects.in_force``). The most recent
    of the two kinds wins."""
    ids = [row["pk"] for row in rows]
    latest = {}
    staff = (
        CriterionVerification.objects.filter(application_id__in=ids)
        .order_by("application_id", "criterion", "-created_at", "-pk")
        .values_list("application_id", "criterion", "decision", "created_at", "pk")
    )
    for application_id, criterion, decision, created_at, pk in staff:
        latest.setdefault(application_id, {}).setdefault(criterion, (created_at, pk, decision, None))
    people = {row["candidate_id"] for row in rows if row["candidate_id"] is not None}
    if people:
        by_person = {}
        attested = (
            CriterionVerification.objects.attestations()
            .in_force(now)
            .filter(person_id__in=people)
            .order_by("person_id", "criterion", "-created_at", "-pk")
            .values_list(
                "person_id",
                "criterion",
                "decision",
                "created_at",
                "pk",
                "organisation__name",
                "verified_by__first_name",
                "verified_by__last_name",
                "expires_at",
            )
        )
        for person_id, criterion, decision, created_at, pk, organisation, first, last, expires_at in attested:
            attestation = {
                "organisation": organisation,
                "adviser": f"{first} {last}".strip(),
                "date": f"{timezone.localtime(created_at):%d/%m/%Y}",
                "until": f"{timezone.localtime(expires_at):%d/%m/%Y}",
            }
            by_person.setdefault(person_id, {}).setdefault(criterion, (created_at, pk, decision, attestation))
        for row in rows:
            for criterion, entry in by_person.get(row["candidate_id"], {}).items():
                mine = latest.setdefault(row["pk"], {})
                if criterion not in mine or entry[:2] > mine[criterion][:2]:
                    mine[criterion] = entry
    verifications = {pk: {code: entry[2] for code, entry in codes.items()} for pk, codes in latest.items()}
    attestations = {
        pk: {code: entry[3] for code, entry in codes.items() if entry[3] is not None} for pk, codes in latest.items()
    }
    return verifications, attestations


class RulesBook:
    """The rules in force for each session, loaded once per batch (one query)."""

    def __init__(self):
        self._by_session = {}

    def load(self, session_ids):
        missing = set(session_ids) - self._by_session.keys()
        if missing:
            sessions = Session.objects.filter(pk__in=missing).only("pk", "programme_id")
            for session_id, rule_set in EligibilityRuleSet.objects.current_for_sessions(sessions).items():
                rules = Rules.from_rule_set(rule_set) if rule_set is not None else None
                self._by_session[session_id] = rules

    def __getitem__(self, session_id):
        return self._by_session[session_id]


@dataclass(frozen=True)
class Plan:
    application_id: int
    candidate_id: int
    status: str
    previous_screening_id: int | None
    result: eligibility.Result
    rules: Rules | None
    inputs: dict
    inputs_json: str
    signature: str
    new_screening: bool
    transition: str | None

    @property
    def reason(self):
        """The history line: the reason codes that decided (the messages, in French and English,
        are in the screening). Short: services.transition also uses it as the history's
        change reason, a 100-character column."""
        if self.result.outcome == eligibility.ELIGIBLE:
            return ""
        status = eligibility.NOT_MET if self.result.outcome == eligibility.NOT_ELIGIBLE else eligibility.TO_BE_CHECKED
        return ", ".join(criterion.reason_code for criterion in self.result.reasons(status))[:100]

    def screening(self, *, actor, role, now):
        return Screening(
            application_id=self.application_id,
            rule_set_id=self.rules.rule_set_id if self.rules else None,
            inputs=self.inputs,
            criteria=self.result.criteria_as_json(),
            outcome=self.result.outcome,
            priority_score=self.result.priority_score,
            signature=self.signature,
            run_by=actor,
            run_by_role=role,
            created_at=now,
        )

    def application_values(self):
        values = {
            "screening_outcome": self.result.outcome,
            "priority_score": self.result.priority_score,
        }
        for audience, flag in AUDIENCE_FLAGS.items():
            values[flag] = audience in self.result.audiences
        return values


def _json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def signature_of(rules, inputs_json):
    """Same rules version and same inputs give the same signature (and then nothing is written)."""
    payload = f"{rules.rule_set_id if rules else ''}|{inputs_json}"
    return hashlib.sha256(payload.encode()).hexdigest()


@lru_cache(maxsize=65536)
def criteria_json(criteria):
    """The stored form of a result's criteria. Results repeat a lot across applications (same
    reason codes and figures), so the JSON text is built once per distinct tuple."""
    return _json([criterion.to_dict() for criterion in criteria])


def plan(row, rules, verifications, attestations=None):
    """What screening this application now gets and where it goes. Pure: no database access.

    None for an anonymised application (its audience flags must stay as they were)."""
    if row["candidate_id"] is None:
        return None
    profile = {name: row[key] for name, key in PROFILE_KEYS}
    profile["identity_verified_by"] = row[PROFILE + "identity_verified_by"]
    answers = Answers.from_profile(
        profile,
        verifications=verifications,
        attestations=attestations,
        oriented_by=row.get("oriented_by__kind") or "",
    )
    session_start = row["session__starts_on"]
    result = eligibility.evaluate(rules, answers, session_start=session_start)
    inputs = {"answers": answers.to_dict(), "session_start": session_start.isoformat()}
    inputs_json = _json(inputs)
    signature = signature_of(rules, inputs_json)
    new_screening = signature != row["current_screening__signature"]
    target = OUTCOME_STATUS[result.outcome]
    status = row["status"]
    # Same rules, same inputs: leave the application alone, even if staff moved it by hand since.
    # Still submitted means it was never moved on: do it now.
    wants_move = status != target and (new_screening or status == Status.SUBMITTED)
    return Plan(
        application_id=row["pk"],
        candidate_id=row["candidate_id"],
        status=status,
        previous_screening_id=row["current_screening_id"],
        result=result,
        rules=rules,
        inputs=inputs,
        inputs_json=inputs_json,
        signature=signature,
        new_screening=new_screening,
        transition=STATUS_TRANSITION[target] if wants_move else None,
    )


def _plans(rows, rules_book):
    verifications, attestations = _decisions(rows, now=timezone.now()) if rows else ({}, {})
    rules_book.load({row["session_id"] for row in rows})
    plans = (
        plan(row, rules_book[row["session_id"]], verifications.get(row["pk"], {}), attestations.get(row["pk"]))
        for row in rows
    )
    return [p for p in plans if p is not None]


def _role_of(actor):
    if actor is None:
        return Actor.SYSTEM
    if not (actor.is_authenticated and actor.is_municipal_staff):
        raise PermissionDenied(_("Seule l'équipe municipale peut lancer une vérification d'éligibilité."))
    return Actor.MUNICIPAL_STAFF


# --- One application --------------------------------------------------------------------------


def screen(application_id: int, *, actor: User | None = None) -> Screening | None:
    """Screen one application; returns its current screening (None when it is not screenable).

    Idempotent: with the same rules and answers as the current screening, nothing is written."""
    role = _role_of(actor)
    with transaction.atomic():
        rows = _load_rows([application_id], lock=True)
        plans = _plans(rows, RulesBook())
        if not plans:
            return None
        decided = plans[0]
        now = timezone.now()
        if decided.new_screening:
            Screening.objects.filter(application_id=application_id, superseded_at__isnull=True).update(
                superseded_at=now
            )
            screening = decided.screening(actor=actor, role=role, now=now)
            screening.save()
            Application.objects.filter(pk=application_id).of_people([decided.candidate_id]).update(
                current_screening=screening, updated_at=now, **decided.application_values()
            )
        if decided.transition:
            application = Application.objects.get(pk=application_id)
            # This block lets every exception out (and is rolled back whole): no savepoint of its own.
            services.transition(
                application,
                decided.transition,
                actor=actor,
                actor_role=role,
                reason=decided.reason,
                savepoint=False,
            )
    logger.info(
        "screened application %s: %s (new screening: %s)", application_id, decided.result.outcome, decided.new_screening
    )
    if decided.new_screening:
        return screening  # the current one, just written
    return Screening.objects.filter(application_id=application_id, superseded_at__isnull=True).first()


# --- Many applications ------------------------------------------------------------------------


@dataclass
class BatchReport:
    processed: int = 0
    rescreened: int = 0
    status_changes: int = 0

    def add(self, other):
        self.processed += other.processed
        self.rescreened += other.rescreened
        self.status_changes += other.status_changes


def rescreen_chunk(
    ids: Sequence[int], *, actor: User | None = None, rules_book: RulesBook | None = None
) -> BatchReport:
    """Re-screen the applications ``ids`` (one chunk) in one transaction with bulk writes.

    The same decisions as ``screen`` (same ``plan``), written in a constant number of queries:
    lock and read the rows, supersede the previous screenings, insert the new ones, update the
    applications' pointer and figures, then move the statuses that change through the workflow
    service's bulk path (events, history, notifications)."""
    role = _role_of(actor)
    rules_book = rules_book or RulesBook()
    report = BatchReport(processed=len(ids))
    # No savepoint when a caller's transaction encloses this one (rescreen_run_chunk): it lets the
    # errors out and is rolled back whole.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            # A chunk is idempotent and re-run by the next re-screening if a crash loses it, so it
            # need not wait for its WAL flush (no risk of corruption, only of losing this chunk).
            _execute("SET LOCAL synchronous_commit TO OFF", [])
        plans = _plans(_load_rows(ids, lock=True), rules_book)
        fresh = [p for p in plans if p.new_screening]
        moving = [p for p in plans if p.transition]
        if not fresh and not moving:
            return report
        now = timezone.now()
        if fresh:
            previous = [p.previous_screening_id for p in fresh if p.previous_screening_id]
            if connection.vendor == "postgresql":
                # One array parameter rather than an IN list of a chunk's size (faster to build and parse).
                _execute(
                    f"UPDATE {Screening._meta.db_table} SET superseded_at = %s"  # noqa: S608 — names are ours
                    " WHERE id = ANY(%s::bigint[]) AND superseded_at IS NULL",
                    [now, previous],
                )
                _write_postgresql(fresh, actor=actor, role=role, now=now)
            else:
                Screening.objects.filter(pk__in=previous, superseded_at__isnull=True).update(superseded_at=now)
                _write_orm(fresh, actor=actor, role=role, now=now)
        events = _bulk_transition(moving, actor=actor, role=role, now=now) if moving else []
        report.rescreened, report.status_changes = len(fresh), len(events)
    return report


def _write_orm(fresh, *, actor, role, now):
    """Any database: bulk_create and bulk_update."""
    screenings = Screening.objects.bulk_create([p.screening(actor=actor, role=role, now=now) for p in fresh])
    applications = []
    for decided, screening in zip(fresh, screenings, strict=True):
        application = Application(pk=decided.application_id, current_screening_id=screening.pk, updated_at=now)
        for field, value in decided.application_values().items():
            setattr(application, field, value)
        applications.append(application)
    people = {decided.candidate_id for decided in fresh}
    Application.objects.of_people(people).bulk_update(applications, SCREENING_FIELDS, batch_size=1000)


# On PostgreSQL the chunk is written by two statements fed with arrays (``unnest``): the ORM's
# bulk_update builds one CASE per field and row, whose compilation alone took 90 % of the batch's
# time, and bulk_create builds a model instance per row. Same rows, same columns.


def _unnest(columns):
    names = ", ".join(columns)
    arrays = ", ".join(f"%s::{kind}[]" for kind, _values in columns.values())
    return f"unnest({arrays}) AS v({names})", [values for _kind, values in columns.values()]


def _execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def _write_postgresql(fresh, *, actor, role, now):
    source, params = _unnest(
        {
            "application_id": ("bigint", [p.application_id for p in fresh]),
            "rule_set_id": ("bigint", [p.rules.rule_set_id if p.rules else None for p in fresh]),
            "inputs": ("text", [p.inputs_json for p in fresh]),
            "criteria": ("text", [criteria_json(p.result.criteria) for p in fresh]),
            "outcome": ("text", [p.result.outcome for p in fresh]),
            "priority_score": ("integer", [p.result.priority_score for p in fresh]),
            "signature": ("text", [p.signature for p in fresh]),
        }
    )
    screening_ids = dict(
        _execute(
            f"INSERT INTO {Screening._meta.db_table} (application_id, rule_set_id, inputs, criteria, outcome,"  # noqa: S608 — names are ours, values are parameters
            " priority_score, signature, run_by_id, run_by_role, created_at, superseded_at)"
            " SELECT v.application_id, v.rule_set_id, v.inputs::jsonb, v.criteria::jsonb, v.outcome,"
            f" v.priority_score, v.signature, %s, %s, %s, NULL FROM {source} RETURNING application_id, id",
            [actor.pk if actor else None, role, now, *params],
        )
    )
    columns = {
        "id": ("bigint", [p.application_id for p in fresh]),
        "current_screening_id": ("bigint", [screening_ids[p.application_id] for p in fresh]),
        "screening_outcome": ("text", [p.result.outcome for p in fresh]),
        "priority_score": ("integer", [p.result.priority_score for p in fresh]),
    }
    for audience, flag in AUDIENCE_FLAGS.items():
        columns[flag] = ("boolean", [audience in p.result.audiences for p in fresh])
    source, params = _unnest(columns)
    assignments = ", ".join(f"{name} = v.{name}" for name in list(columns)[1:])
    _execute(
        f"UPDATE {Application._meta.db_table} AS a SET {assignments}, updated_at = %s"  # noqa: S608
        f" FROM {source} WHERE a.id = v.id",
        [now, *params],
    )
    # Raw SQL: the queryset's hook does not see it. The order of « Mes candidatures » follows updated_at.
    my_applications_changed(p.candidate_id for p in fresh)


def _bulk_transition(plans, *, actor, role, now):
    """The screening transitions of a chunk, through the workflow service's bulk path."""
    moves = [services.Move(p.application_id, p.status, p.transition, p.reason) for p in plans]
    return services.transition_in_bulk(moves, actor=actor, actor_role=role, now=now)


def open_application_ids(programme_id: int) -> list[int]:
    return list(
        Application.objects.filter(session__programme_id=programme_id, status__in=SCREENABLE_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def rescreen(
    ids: Sequence[int],
    *,
    actor: User | None = None,
    chunk_size: int | None = None,
    progress: Callable[[BatchReport], None] | None = None,
) -> BatchReport:
    """Re-screen many applications, chunk by chunk (one transaction each). ``progress(report)`` is
    called after every chunk."""
    chunk_size = chunk_size or settings.RESCREENING_CHUNK_SIZE
    rules_book = RulesBook()
    total = BatchReport()
    for start in range(0, len(ids), chunk_size):
        total.add(rescreen_chunk(ids[start : start + chunk_size], actor=actor, rules_book=rules_book))
        if progress is not None:
            progress(total)
    return total


def start_rescreening(programme: Programme, *, actor: User) -> RescreeningRun:
    """The admin action: record the run and enqueue the batch task once the request commits."""
    _role_of(actor)
    run = RescreeningRun.objects.create(programme=programme, requested_by=actor)
    tasks.rescreen_programme.delay_on_commit(programme.pk, run_id=run.pk)
    return run


def rescreen_programme(
    programme_id: int, *, run_id: int | None = None, chunk_size: int | None = None
) -> RescreeningRun:
    """Re-screen every open application of a programme: cut them into chunks (recorded on the run)
    and enqueue one ``rescreen_programme_chunk`` task per chunk once this commits. The screening workers take
    the chunks side by side; each chunk reports its progress on the run, and the last one to finish
    marks the run done. Without a broker (eager Celery) the chunks run here, one after the other.

    Idempotent: a redelivered task finds the run's chunks already cut and enqueues again only those
    not finished (a finished chunk's task does nothing); a finished run is left alone."""
    with transaction.atomic():
        run = None
        if run_id:
            run = RescreeningRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            run = RescreeningRun.objects.create(programme_id=programme_id)
        if run.state in (RescreeningRun.State.DONE, RescreeningRun.State.FAILED):
            return run
        if not run.chunks.exists():
            chunk_size = chunk_size or settings.RESCREENING_CHUNK_SIZE
            ids = open_application_ids(programme_id)
            RescreeningChunk.objects.bulk_create(
                RescreeningChunk(run=run, number=number, application_ids=ids[start : start + chunk_size])
                for number, start in enumerate(range(0, len(ids), chunk_size))
            )
            now = timezone.now()
            run.state, run.total, run.started_at, run.error = RescreeningRun.State.RUNNING, len(ids), now, ""
            run.processed = run.rescreened = run.status_changes = 0
            if not ids:
                run.state, run.finished_at = RescreeningRun.State.DONE, now
            run.save()
        pending = list(run.chunks.filter(finished_at__isnull=True).values_list("pk", flat=True))
        for chunk_id in pending:
            tasks.rescreen_programme_chunk.delay_on_commit(chunk_id)
    logger.info("re-screening programme %s: %s applications in %s chunks", programme_id, run.total, len(pending))
    run.refresh_from_db()
    return run


def rescreen_run_chunk(chunk_id: int) -> BatchReport | None:
    """One chunk of a run (the ``rescreen_programme_chunk`` task): re-screen its applications and add its
    figures to the run, in one transaction. The chunk row is locked first, so a second delivery
    waits, then finds it finished; the run row is locked last and briefly (its counters), so the
    chunk that commits last sees every other chunk finished and marks the run done."""
    with transaction.atomic():
        chunk = (
            RescreeningChunk.objects.select_for_update(of=("self",))
            .select_related("run__requested_by")
            .get(pk=chunk_id)
        )
        run = chunk.run
        if chunk.finished_at is not None or run.state != RescreeningRun.State.RUNNING:
            return None
        report = rescreen_chunk(chunk.application_ids, actor=run.requested_by)
        now = timezone.now()
        RescreeningChunk.objects.filter(pk=chunk.pk).update(finished_at=now)
        RescreeningRun.objects.filter(pk=run.pk).update(
            processed=F("processed") + report.processed,
            rescreened=F("rescreened") + report.rescreened,
            status_changes=F("status_changes") + report.status_changes,
        )
        # Under the run row's lock (taken by the update): every other chunk has committed or waits.
        if not run.chunks.filter(finished_at__isnull=True).exists():
            RescreeningRun.objects.filter(pk=run.pk, state=RescreeningRun.State.RUNNING).update(
                state=RescreeningRun.State.DONE, finished_at=now
            )
            logger.info("re-screened programme %s (run %s)", run.programme_id, run.pk)
    return report


def fail_run(*, run_id: int | None = None, chunk_id: int | None = None, error: BaseException) -> None:
    """Mark a run failed (a chunk's or the run's task gave up): its error's type only, since its
    text could quote a candidate's data. Chunks already done stay done."""
    if run_id is None and chunk_id is not None:
        run_id = RescreeningChunk.objects.filter(pk=chunk_id).values_list("run_id", flat=True).first()
    if run_id is None:
        return
    RescreeningRun.objects.filter(pk=run_id).exclude(state=RescreeningRun.State.DONE).update(
        state=RescreeningRun.State.FAILED, error=type(error).__name__, finished_at=timezone.now()
    )


# --- Staff verification -----------------------------------------------------------------------


def check_verification(application: Application, *, criterion: str, decision: str, comment: str) -> None:
    """Raise ValidationError (by field) when this verification cannot be recorded."""
    errors = {}
    if criterion not in CriterionVerification.Criterion.values:
        errors["criterion"] = _("Choisissez un critère de la liste.")
    if decision not in CriterionVerification.Decision.values:
        errors["decision"] = _("Choisissez « Vérifié » ou « Rejeté ».")
    if not (comment or "").strip():
        errors["comment"] = _("Indiquez ce que vous avez vu (par exemple « attestation France Travail du 3 mars »).")
    if application.status not in SCREENABLE_STATUSES:
        errors["application"] = _("Cette candidature n'est plus en phase de vérification d'éligibilité.")
    if errors:
        raise ValidationError(errors)


def verify_criterion(
    application: Application, *, criterion: str, decision: str, comment: str, actor: User
) -> CriterionVerification:
    """Record a staff member's decision on one criterion (after seeing a document) and re-screen
    the application with it. Returns the verification, linked to the screening it produced."""
    if not (actor is not None and actor.is_authenticated and actor.is_municipal_staff):
        raise PermissionDenied(_("Seule l'équipe municipale peut contrôler un critère."))
    check_verification(application, criterion=criterion, decision=decision, comment=comment)
    with transaction.atomic():
        verification = CriterionVerification.objects.create(
            application=application, criterion=criterion, decision=decision, comment=comment.strip(), verified_by=actor
        )
        screening = screen(application.pk, actor=actor)
        CriterionVerification.objects.filter(pk=verification.pk).update(screening=screening)
        verification.screening = screening
    logger.info("criterion %s %s on application %s by user %s", criterion, decision, application.pk, actor.pk)
    application.refresh_from_db()
    return verification


__all__ = [
    "check_verification",
    "Plan",
    "plan",
    "rescreen",
    "rescreen_chunk",
    "rescreen_programme",
    "rescreen_run_chunk",
    "screen",
    "start_rescreening",
    "verify_criterion",
]
