"""A candidate's rights over their data (everything in one JSON file, deleting the account) and
how long the portal keeps them (retention).

Deleting keeps the applications, anonymised (no candidate, no motivation, no documents, no
screening inputs), because the programmes' figures (applications per audience, seats filled) are
public reporting that must not change when someone leaves; the audience flags stay on the row.
Retention does the same to everybody's applications some time after their session ended
(``RETENTION_ANONYMISE_MONTHS``), deletes documents sooner (``RETENTION_DOCUMENTS_MONTHS``) and
then the candidates' accounts left with nothing; the privacy notice states the same periods."""

import calendar
import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from portal import doors, outbox
from portal.models import User

from . import services
from .models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationMessage,
    Appointment,
    CandidateProfile,
    CriterionVerification,
    Screening,
)
from .workflow import ACTIVE_STATUSES, UNSENT_STATUSES, Actor

# Every field of the profile (a field added later is exported too), but its keys.
PROFILE_FIELDS = tuple(
    field.attname for field in CandidateProfile._meta.concrete_fields if field.name not in ("id", "user")
)


def export_data(user: User) -> dict[str, Any]:
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


def delete_account(user: User) -> None:
    """Delete ``user``'s account: active applications are withdrawn (which frees any seat through
    the workflow's hook), drafts and applications never confirmed are deleted, the others
    anonymised, documents deleted from storage once the transaction commits."""
    with transaction.atomic(), doors.service_write():
        mine = Application.objects.filter(candidate=user)
        for application in mine.filter(status__in=ACTIVE_STATUSES).select_related("session__site__provider"):
            services.transition(
                application, "withdraw", actor=user, actor_role=Actor.CANDIDATE, reason="account_deleted"
            )
        delete_documents(ApplicationDocument.objects.filter(application__candidate=user))
        mine.filter(status__in=UNSENT_STATUSES).delete()
        # Versions of drafts deleted above, of applications that left the account: scrub them all.
        Application.history.filter(candidate_id=user.pk).update(candidate_id=None, motivation="")
        anonymise_applications(mine)
        outbox.forget_recipient(user)
        user.delete()


# --- Anonymising applications (account deletion, retention) ----------------------------------


def delete_documents(documents):
    """Delete documents (a queryset): the rows now, the files once the transaction commits."""
    files = [(document.file.storage, document.file.name) for document in documents.only("file")]
    documents.delete()

    def remove_files():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)
    return len(files)


def anonymise_applications(applications):
    """Clear the personal data of ``applications`` (a queryset) and keep what the programmes'
    figures need: status, dates, session, eligibility outcome, audience flags, the orienting
    organisation, the trainee's follow-up (categories only). Gone: the candidate, motivation,
    refusal message, documents, screening inputs, notes and messages, history reasons, test and
    interview comments, verification comments, and the same in the audit trail. Returns how many
    applications were anonymised."""
    ids = list(applications.values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic(), doors.service_write():
        delete_documents(ApplicationDocument.objects.filter(application_id__in=ids))
        Screening.objects.filter(application_id__in=ids).update(inputs={})
        ApplicationMessage.objects.filter(application_id__in=ids).update(body="")
        ApplicationEvent.objects.filter(application_id__in=ids).update(reason="")
        Appointment.objects.filter(application_id__in=ids).update(comment="")
        CriterionVerification.objects.filter(application_id__in=ids).update(comment="")
        # The audit trail (django-simple-history) copies each version of the row: scrub it too.
        Application.history.filter(id__in=ids).update(candidate_id=None, motivation="", refusal_message="")
        Application.objects.filter(pk__in=ids).update(candidate=None, motivation="", refusal_message="")
    return len(ids)


# --- Retention: how long the portal keeps personal data --------------------------------------


def months_before(day, months):
    """The same day ``months`` months earlier (the month's last day when it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last_day))


@dataclass(frozen=True)
class RetentionPeriods:
    """The periods of the retention policy, in months after the end of the session applied to
    (settings ``RETENTION_DOCUMENTS_MONTHS``, ``RETENTION_ANONYMISE_MONTHS``): what the job does
    and what the privacy notice says."""

    documents_months: int
    anonymise_months: int

    @classmethod
    def from_settings(cls):
        return cls(settings.RETENTION_DOCUMENTS_MONTHS, settings.RETENTION_ANONYMISE_MONTHS)


@dataclass
class RetentionPlan:
    """What retention would do today: the querysets of each step (nothing is changed)."""

    today: datetime.date
    periods: RetentionPeriods
    documents_before: datetime.date
    anonymise_before: datetime.date

    @classmethod
    def on(cls, today=None, periods=None):
        today = today or timezone.localdate()
        periods = periods or RetentionPeriods.from_settings()
        return cls(
            today,
            periods,
            months_before(today, periods.documents_months),
            months_before(today, periods.anonymise_months),
        )

    def documents(self):
        """Documents of applications whose session ended before the documents' limit."""
        return ApplicationDocument.objects.filter(application__session__ends_on__lt=self.documents_before)

    def unsent(self):
        """Drafts (and applications never confirmed) of sessions over: they can never be sent."""
        return Application.objects.filter(status__in=UNSENT_STATUSES, session__ends_on__lt=self.documents_before)

    def applications(self):
        """Sent applications of sessions that ended before the limit, not anonymised yet."""
        return Application.objects.filter(session__ends_on__lt=self.anonymise_before, candidate__isnull=False).exclude(
            status__in=UNSENT_STATUSES
        )

    def accounts(self):
        """Candidates' accounts left without any application, unused since the limit: no staff,
        no training-centre or adviser member."""
        limit = timezone.make_aware(datetime.datetime.combine(self.anonymise_before, datetime.time()))
        return (
            User.objects.filter(candidate_profile__isnull=False, is_staff=False, is_superuser=False)
            .filter(applications__isnull=True, provider_memberships__isnull=True, adviser_memberships__isnull=True)
            .filter(Q(last_login__lt=limit) | Q(last_login__isnull=True, date_joined__lt=limit))
        )

    def report(self):
        """The dry run: how many of each, and the applications per programme."""
        by_programme = (
            self.applications()
            .values("session__programme__name", "session__programme__season")
            .annotate(count=Count("pk"))
            .order_by("session__programme__name", "session__programme__season")
        )
        documents = self.documents()
        return {
            "documents": documents.count(),
            "documents_size": documents.aggregate(size=Sum("size"))["size"] or 0,
            "unsent": self.unsent().count(),
            "applications": self.applications().count(),
            "accounts": self.accounts().count(),
            "by_programme": list(by_programme),
        }


def apply_retention(today=None):
    """The daily job: delete documents and drafts of sessions over for ``documents_months``,
    anonymise applications of sessions over for ``anonymise_months``, then delete the candidates'
    accounts left with nothing and unused as long. Returns the counts."""
    plan = RetentionPlan.on(today)
    with transaction.atomic(), doors.service_write():
        documents = delete_documents(plan.documents())
        unsent_ids = list(plan.unsent().values_list("pk", flat=True))
        Application.history.filter(id__in=unsent_ids).update(candidate_id=None, motivation="")
        Application.objects.filter(pk__in=unsent_ids).delete()
        unsent = len(unsent_ids)
    applications = anonymise_applications(plan.applications())
    accounts = 0
    for user in plan.accounts().iterator():
        delete_account(user)
        accounts += 1
    return {"documents": documents, "unsent": unsent, "applications": applications, "accounts": accounts}
