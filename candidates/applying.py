"""Applying to a session, the candidate's side: a draft saved at each step, documents, submission.

The submission itself is ``candidates.services.transition(..., "submit")``; this module checks what
must hold before it (window, one application per session, the programme's limit of active
applications, a complete file) under a lock on the candidate, so that two clicks or two tabs can
neither duplicate an application nor pass the limit together."""

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import doors
from portal.models import User
from portal.uploads import display_name

from .models import Application, ApplicationDocument
from .services import TransitionAlreadyDone, TransitionNotAllowed, transition
from .workflow import Actor, Status

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


def check_active_limit(candidate, session, *, exclude=None):
    programme = session.programme
    active = Application.objects.of_candidate(candidate).active().filter(session__programme=programme)
    if exclude is not None:
        active = active.exclude(pk=exclude.pk)
    if active.count() >= programme.max_active_applications:
        raise ApplicationRefused(
            _(
                "Vous avez déjà %(count)s candidatures en cours dans le programme « %(programme)s », "
                "le maximum autorisé. Pour candidater ici, attendez une réponse ou retirez une autre candidature."
            )
            % {"count": programme.max_active_applications, "programme": programme.name}
        )


def start_application(candidate, session):
    """Return ``(application, created)``: the candidate's application to this session, a new draft
    if there was none. An existing one (draft or sent) is returned as is, never duplicated."""
    existing = Application.objects.filter(candidate=candidate, session=session).first()
    if existing is not None:
        return existing, False
    check_window(session)
    check_active_limit(candidate, session)
    try:
        with transaction.atomic(), doors.service_write():
            application = Application.objects.create(
                candidate=candidate, session=session, status=Status.DRAFT, draft_step=STEPS[0]
            )
    except IntegrityError:
        # Two clicks at once: the unique (candidate, session) constraint kept one; return it.
        return Application.objects.get(candidate=candidate, session=session), False
    return application, True


def save_step(application, step, **fields):
    """Record that ``step`` is done (and its fields): the draft resumes at the next step."""
    reached = STEPS.index(application.draft_step) if application.draft_step in STEPS else 0
    application.draft_step = STEPS[max(reached, STEPS.index(next_step(step)))]
    for name, value in fields.items():
        setattr(application, name, value)
    with doors.service_write():
        application.save(update_fields=["draft_step", "updated_at", *fields])


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


def delete_document(document):
    """Remove a document row, and its file once the deletion is committed."""
    storage, name = document.file.storage, document.file.name
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))


def missing_parts(application):
    """What the file still lacks before it can be sent, in plain words (empty when complete)."""
    missing = []
    profile = getattr(application.candidate, "candidate_profile", None)
    if profile is None or not (profile.birth_date and profile.postcode and profile.commune):
        missing.append(("profile", _("Votre profil n'est pas complet (date de naissance, code postal, commune).")))
    if profile is not None and (profile.qualification_level is None or profile.is_job_seeker is None):
        missing.append(("profile", _("Indiquez votre diplôme et votre inscription à France Travail.")))
    if not application.motivation.strip():
        missing.append(("motivation", _("Écrivez quelques phrases sur votre motivation.")))
    kinds = {document.kind for document in application.documents.all()}
    if ApplicationDocument.Kind.CV not in kinds:
        missing.append(("documents", _("Ajoutez votre CV.")))
    return missing


def submit_application(application, *, candidate):
    """Send the application: checks under a lock on the candidate, then the "submit" transition
    (history event, screening scheduled after commit). A second click raises TransitionAlreadyDone."""
    with transaction.atomic():
        # One candidate's submissions are serialised: the active-application count below cannot be
        # passed by two tabs sending at once. FOR NO KEY UPDATE, not FOR UPDATE: rows that merely
        # reference the user (outbox emails, events written by a concurrent screening) take a KEY
        # SHARE lock on it, and FOR UPDATE would make them wait on us while we wait on them.
        User.objects.select_for_update(no_key=True).filter(pk=candidate.pk).first()
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("session__programme", "candidate__candidate_profile")
            .get(pk=application.pk)
        )
        if locked.status != Status.DRAFT:
            raise TransitionAlreadyDone(_("Votre candidature a déjà été envoyée."))
        check_window(locked.session)
        check_active_limit(candidate, locked.session, exclude=locked)
        missing = missing_parts(locked)
        if missing:
            raise ApplicationRefused(" ".join(str(message) for _step, message in missing))
        try:
            result = transition(locked, "submit", actor=candidate, actor_role=Actor.CANDIDATE)
        except TransitionNotAllowed as error:
            raise ApplicationRefused(str(error)) from error
    application.refresh_from_db()
    return result
