"""Applying to a session, the candidate's side: a draft saved at each step, documents, submission.

The submission itself is ``candidates.services.transition(..., "submit")``; this module checks what
must hold before it (window, one application per session, the programme's limit of active
applications, a complete file) under a lock on the candidate, so that two clicks or two tabs can
neither duplicate an application nor pass the limit together."""

from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import doors
from portal.models import User
from portal.uploads import display_name
from programmes import eligibility
from programmes.models import EligibilityRuleSet, Session

from .models import Application, ApplicationDocument
from .services import (
    TransitionAlreadyDone,
    TransitionNotAllowed,
    TransitionResult,
    copy_fields,
    programme_standing,
    transition,
)
from .workflow import ACTIVE_STATUSES, Actor, Status

# The steps of the application form, in order. "send" is the review page's button.
STEPS = ("profile", "motivation", "documents", "review")
STEP_LABELS = {
    "profile": gettext_lazy("Mon profil"),
    "motivation": gettext_lazy("Ma motivation"),
    "documents": gettext_lazy("Mes documents"),
    "review": gettext_lazy("Vérifier et envoyer"),
}


class ApplicationRefused(Exception):
    """The candidate may not apply (or send) now; the message says why, in plain words."""


def next_step(step):
    index = STEPS.index(step)
    return STEPS[min(index + 1, len(STEPS) - 1)]


def check_window(session):
    if session.is_open_for_applications():
        return
    if session.applications_open_on > timezone.localdate():
        raise ApplicationRefused(
            _("Les candidatures pour cette session ne sont pas encore ouvertes : elles ouvriront le %(open)s.")
            % {"open": date_format(session.applications_open_on, "j F Y")}
        )
    raise ApplicationRefused(
        _("Les candidatures pour cette session sont closes : la date limite était le %(close)s.")
        % {"close": date_format(session.applications_close_on, "j F Y")}
    )


def check_active_limit(candidate, session, *, exclude=None, count=None):
    """``count``: the candidate's active applications to the programme, when the caller has it."""
    programme = session.programme
    if count is None:
        active = Application.objects.of_candidate(candidate).active().filter(session__programme=programme)
        if exclude is not None:
            active = active.exclude(pk=exclude.pk)
        count = active.count()
    if count >= programme.max_active_applications:
        raise ApplicationRefused(
            _(
                "Vous avez déjà %(count)s candidatures en cours dans le programme « %(programme)s », "
                "le maximum autorisé. Pour candidater ici, attendez une réponse ou retirez une autre candidature."
            )
            % {"count": programme.max_active_applications, "programme": programme.name}
        )


def standing(candidate, session):
    """``(application, active)``: the candidate's application to ``session`` (None if there is
    none) and how many of their applications to its programme are active, in one query (their
    applications to one programme are a handful): starting an application needs both."""
    applications = list(Application.objects.filter(candidate=candidate, session__programme_id=session.programme_id))
    existing = next((application for application in applications if application.session_id == session.pk), None)
    return existing, sum(application.status in ACTIVE_STATUSES for application in applications)


def profile_does_not_meet(profile, session):
    """What the saved profile fails among the session's rules in force, in plain words (empty when
    it meets them, or when the outcome depends on something still to check). Shown before a
    candidate starts an application, so that nobody spends ten minutes on a file the screening
    will refuse — the candidate may still apply (their situation may have changed)."""
    rule_set = EligibilityRuleSet.objects.current_for(session)
    if rule_set is None or profile is None:
        return []
    result = eligibility.evaluate(
        eligibility.Rules.from_rule_set(rule_set),
        eligibility.Answers.from_profile(profile),
        session_start=session.starts_on,
    )
    if result.outcome != eligibility.NOT_ELIGIBLE:
        return []
    return [criterion.message for criterion in result.criteria if criterion.status == eligibility.NOT_MET]


def start_application(candidate: User, session: Session, **orientation: Any) -> tuple[Application, bool]:
    """Return ``(application, created)``: the candidate's application to this session, a new draft
    if there was none. An existing one (draft or sent) is returned as is, never duplicated.
    ``orientation``: the organisation and adviser preparing it with the candidate (``oriented_by``,
    ``prepared_by``; see candidates.advisers.services)."""
    existing, active = standing(candidate, session)
    if existing is not None:
        return existing, False
    check_window(session)
    check_active_limit(candidate, session, count=active)
    try:
        with transaction.atomic(), doors.service_write():
            application = Application.objects.create(
                candidate=candidate, session=session, status=Status.DRAFT, draft_step=STEPS[0], **orientation
            )
    except IntegrityError:
        # Two clicks at once: the unique (candidate, session) constraint kept one; return it.
        return Application.objects.get(candidate=candidate, session=session), False
    return application, True


def save_step(application: Application, step: str, **fields: Any) -> None:
    """Record that ``step`` is done (and its fields): the draft resumes at the next step.

    The draft's progress through its steps is the candidate's work in progress, not a decision:
    these saves leave the history (what staff read and what a revert restores) alone. It holds the
    draft's creation, then its sending and every change after it; a historical copy of the row (and
    of the motivation's text) at every step would only be more personal data kept, and one more
    write per step on opening day."""
    reached = STEPS.index(application.draft_step) if application.draft_step in STEPS else 0
    application.draft_step = STEPS[max(reached, STEPS.index(next_step(step)))]
    for name, value in fields.items():
        setattr(application, name, value)
    application.skip_history_when_saving = True  # simple_history's switch for one save
    try:
        with doors.service_write():
            application.save(update_fields=["draft_step", "updated_at", *fields])
    finally:
        del application.skip_history_when_saving


def add_document(application, *, kind, upload, clean):
    """Store ``clean`` (the ``portal.uploads.CleanFile`` made from ``upload``) under a name the
    portal generates, with the detected type's extension; the candidate's file name is kept,
    cleaned, for display only."""
    return ApplicationDocument.objects.create(
        application=application,
        kind=kind,
        file=ContentFile(clean.content, name=f"document.{clean.extension}"),
        original_name=display_name(upload.name, clean.extension),
        content_type=clean.content_type,
        size=clean.size,
    )


# How many earlier documents the documents step offers to add again.
REUSABLE_DOCUMENTS = 6


def candidate_documents(application):
    """This application's documents (in upload order) and the candidate's documents sent with their
    other applications, to add to this one without uploading them again (walk-through row 24):
    the newest copy of each file (kind, name, size) not already here, newest first. One query: the
    documents step stays within its query bound."""
    everything = list(
        ApplicationDocument.objects.filter(application__candidate_id=application.candidate_id).order_by(
            "uploaded_at", "pk"
        )
    )
    own = [document for document in everything if document.application_id == application.pk]
    present = {(d.kind, d.original_name, d.size) for d in own}
    reusable = []
    for document in reversed(everything):
        key = (document.kind, document.original_name, document.size)
        if document.application_id != application.pk and key not in present:
            present.add(key)
            reusable.append(document)
    return own, reusable[:REUSABLE_DOCUMENTS]


def reuse_document(application, source):
    """Add to ``application`` a copy of ``source``, a document of the same candidate's other
    application. A copy, not a shared file: each application keeps what was sent with it (a centre
    sees only its own; deleting or the retention job on one leaves the other whole)."""
    if source.application.candidate_id != application.candidate_id:
        raise ValueError("a document is reused by its own candidate only")
    with source.file.open("rb") as stored:
        content = stored.read()
    extension = source.file.name.rsplit(".", 1)[-1]
    return ApplicationDocument.objects.create(
        application=application,
        kind=source.kind,
        file=ContentFile(content, name=f"document.{extension}"),
        original_name=source.original_name,
        content_type=source.content_type,
        size=source.size,
    )


def delete_document(document):
    """Remove a document row, and its file once the deletion is committed."""
    storage, name = document.file.storage, document.file.name
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))


# The profile answers an application cannot be sent without (see candidates.forms.ProfileForm for
# why each one is asked), as the review step names them.
REQUIRED_PROFILE_ANSWERS = (
    ("birth_date", gettext_lazy("votre date de naissance")),
    ("postcode", gettext_lazy("votre code postal")),
    ("commune", gettext_lazy("votre commune")),
    ("qualification_level", gettext_lazy("votre diplôme le plus élevé")),
    ("is_job_seeker", gettext_lazy("votre inscription à France Travail (oui ou non)")),
    ("receives_rsa", gettext_lazy("votre réponse sur le RSA (oui ou non)")),
    ("has_rqth", gettext_lazy("votre réponse sur la RQTH")),
)


def missing_profile_answers(profile):
    """The labels of the required answers the profile lacks (a RQTH answer may be « Je préfère
    ne pas répondre »)."""
    if profile is None:
        return [label for _name, label in REQUIRED_PROFILE_ANSWERS]
    missing = []
    for name, label in REQUIRED_PROFILE_ANSWERS:
        value = getattr(profile, name)
        if name == "has_rqth" and profile.rqth_undisclosed:
            continue
        if value is None or value == "":
            missing.append(label)
    return missing


def profile_is_complete(user, profile):
    """Whether the profile holds every answer the profile step asks for (the names included): the
    step then shows the answers to be checked and confirmed, instead of a form to fill again."""
    return bool(user.first_name.strip() and user.last_name.strip()) and not missing_profile_answers(profile)


def missing_parts(application):
    """What the file still lacks before it can be sent, in plain words (empty when complete):
    ``(step, message)`` pairs, the step being where to fix it."""
    missing = []
    answers = missing_profile_answers(getattr(application.candidate, "candidate_profile", None))
    if answers:
        missing.append(
            ("profile", _("Dans votre profil, indiquez %(answers)s.") % {"answers": ", ".join(map(str, answers))})
        )
    if not application.motivation.strip():
        missing.append(("motivation", _("Écrivez quelques phrases sur votre motivation.")))
    kinds = {document.kind for document in application.documents.all()}
    if ApplicationDocument.Kind.CV not in kinds:
        missing.append(("documents", _("Ajoutez votre CV.")))
    return missing


def submit_application(application: Application, *, candidate: User) -> TransitionResult:
    """Send the application: checks under a lock on the candidate, then the "submit" transition
    (history event, screening scheduled after commit). A second click raises TransitionAlreadyDone."""
    with transaction.atomic():
        # One candidate's submissions are serialised: the active-application count below cannot be
        # passed by two tabs sending at once. FOR NO KEY UPDATE, not FOR UPDATE: rows that merely
        # reference the user (outbox emails, events written by a concurrent screening) take a KEY
        # SHARE lock on it, and FOR UPDATE would make them wait on us while we wait on them.
        # Only the lock is wanted: the key alone, not the row.
        list(User.objects.select_for_update(no_key=True).filter(pk=candidate.pk).values_list("pk", flat=True))
        # The application's lock, read once with what the checks and the transition read, and
        # handed to the transition (already_locked), which would otherwise read it again.
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("session__programme", "session__site__provider", "candidate__candidate_profile")
            .get(pk=application.pk)
        )
        if locked.status != Status.DRAFT:
            raise TransitionAlreadyDone(_("Votre candidature a déjà été envoyée."))
        check_window(locked.session)
        # The active applications and the wish rank in one query (the same rows: the candidate's
        # others in the programme); the transition keeps the rank given here.
        active, next_wish_rank = programme_standing(locked)
        check_active_limit(candidate, locked.session, count=active)
        missing = missing_parts(locked)
        if missing:
            raise ApplicationRefused(" ".join(str(message) for _step, message in missing))
        if locked.wish_rank is None:
            locked.wish_rank = next_wish_rank
        try:
            # Inside this block, which lets every exception out: no savepoint of its own.
            result = transition(
                locked, "submit", actor=candidate, actor_role=Actor.CANDIDATE, savepoint=False, already_locked=True
            )
        except TransitionNotAllowed as error:
            raise ApplicationRefused(str(error)) from error
    copy_fields(locked, application)  # the caller's instance in step (locked is, after the transition)
    return result
