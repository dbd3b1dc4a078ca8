"""What the application's admin page shows beside its fields: the candidate's profile, documents,
the current screening criterion by criterion, the history timeline and the decision buttons."""

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ..criteria import criteria_of
from ..models import CandidateProfile, CriterionVerification
from .decisions import buttons_for


def document_url(document):
    """The one secure download view (owner, municipal staff, the session's centre)."""
    try:
        return reverse("candidates:document_download", args=[document.pk])
    except NoReverseMatch:
        return None


def application_panels(request, application):
    profile = None
    if application.candidate_id:
        profile = CandidateProfile.objects.filter(user_id=application.candidate_id).first()
    screening = application.current_screening
    documents = [(document, document_url(document)) for document in application.documents.all()]
    attestations = []
    if application.candidate_id:
        attestations = (
            CriterionVerification.objects.attestations()
            .filter(person_id=application.candidate_id)
            .select_related("organisation", "verified_by")
        )
    return {
        "profile": profile,
        "oriented_by": application.oriented_by,
        "prepared_by": application.prepared_by,
        "attestations": attestations,
        "now": timezone.now(),
        "documents": documents,
        "screening": screening,
        "criteria": criteria_of(screening),
        "events": application.events.select_related("actor"),
        "appointments": application.appointments.all(),
        "decisions": buttons_for(request.user, application),
    }
