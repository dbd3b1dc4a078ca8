"""A candidate's rights over their data: everything in one JSON file, and deleting the account.

Deleting keeps the applications, anonymised (no candidate, no motivation, no documents, no
screening inputs), because the programmes' figures (applications per audience, seats filled) are
public reporting that must not change when someone leaves; the audience flags stay on the row."""

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from portal import doors, outbox

from .models import Application, ApplicationDocument, ApplicationMessage, CandidateProfile, Screening
from .services import transition
from .workflow import ACTIVE_STATUSES, UNSENT_STATUSES, Actor

# Every field of the profile (a field added later is exported too), but its keys.
PROFILE_FIELDS = tuple(
    field.attname for field in CandidateProfile._meta.concrete_fields if field.name not in ("id", "user")
)


def export_data(user):
    """Everything the portal holds about ``user`` as a candidate, JSON-serialisable with
    DjangoJSONEncoder (dates as ISO strings)."""
    profile = getattr(user, "candidate_profile", None)
    applications = (
        Application.objects.of_candidate(user)
        .select_related("session__programme", "session__site__provider")
        .prefetch_related(
            "events",
            "documents",
            "appointments",
            Prefetch(
                "messages",
                queryset=ApplicationMessage.objects.filter(visibility=ApplicationMessage.Visibility.TO_CANDIDATE),
                to_attr="candidate_messages",
            ),
        )
        .order_by("created_at")
    )
    return {
        "exported_at": timezone.now(),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user.language,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "profile": {field: getattr(profile, field) for field in PROFILE_FIELDS} if profile else None,
        "applications": [_application_data(application) for application in applications],
    }


def _application_data(application):
    session = application.session
    return {
        "reference": str(application.reference),
        "programme": session.programme.name,
        "session": session.name,
        "training_centre": session.site.provider.name,
        "starts_on": session.starts_on,
        "status": application.status,
        "status_label": str(application.get_status_display()),
        "created_at": application.created_at,
        "submitted_at": application.submitted_at,
        "motivation": application.motivation,
        "eligibility": application.screening_outcome,
        "offer_expires_at": application.offer_expires_at,
        "history": [
            {
                "date": event.created_at,
                "from": event.from_status,
                "to": event.to_status,
                "by": event.actor_role,
                "reason": event.reason if event.actor_role == Actor.CANDIDATE else "",
            }
            for event in application.events.all()
        ],
        "appointments": [
            {
                "kind": appointment.kind,
                "starts_at": appointment.starts_at,
                "place": appointment.place,
                "what_to_bring": appointment.what_to_bring,
                "outcome": appointment.outcome,
            }
            for appointment in application.appointments.all()
        ],
        "messages": [{"date": message.created_at, "text": message.body} for message in application.candidate_messages],
        "documents": [
            {
                "kind": document.kind,
                "name": document.original_name,
                "format": document.content_type,
                "size": document.size,
                "uploaded_at": document.uploaded_at,
            }
            for document in application.documents.all()
        ],
    }


def delete_account(user):
    """Delete ``user``'s account: active applications are withdrawn (which frees any seat through
    the workflow's hook), drafts and applications never confirmed are deleted, the others
    anonymised, documents deleted from storage once the transaction commits."""
    with transaction.atomic(), doors.service_write():
        mine = Application.objects.filter(candidate=user)
        for application in mine.filter(status__in=ACTIVE_STATUSES).select_related("session__site__provider"):
            transition(application, "withdraw", actor=user, actor_role=Actor.CANDIDATE, reason="account_deleted")
        documents = ApplicationDocument.objects.filter(application__candidate=user)
        files = [(document.file.storage, document.file.name) for document in documents]
        documents.delete()
        mine.filter(status__in=UNSENT_STATUSES).delete()
        Screening.objects.filter(application__candidate=user).update(inputs={})
        # The audit trail (django-simple-history) copies each version of the row: scrub it too.
        Application.history.filter(candidate_id=user.pk).update(candidate_id=None, motivation="")
        mine.update(candidate=None, motivation="", refusal_message="")
        outbox.forget_recipient(user)
        user.delete()

        def remove_files():
            for storage, name in files:
                storage.delete(name)

        transaction.on_commit(remove_files)
