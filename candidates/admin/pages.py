"""What the application's admin page shows beside its fields: the candidate's profile, documents,
the current screening criterion by criterion, the history timeline and the decision buttons."""

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language

from ..models import CandidateProfile, CriterionVerification
from .decisions import buttons_for

CRITERION_STATUS_LABELS = {
    "met": "✔",
    "not_met": "✘",
    "to_be_checked": "?",
}


def document_url(document):
    """The one secure download view (owner, municipal staff, the session's centre)."""
    try:
        return reverse("candidates:document_download", args=[document.pk])
    except NoReverseMatch:
        return None


def criteria_rows(screening):
    """Screening.criteria is the rules engine's JSON: one dict per criterion, messages in fr/en."""
    if screening is None:
        return []
    language = (get_language() or "fr")[:2]
    rows = []
    for criterion in screening.criteria or []:
        if not isinstance(criterion, dict):
            continue
        rows.append(
            {
                "code": criterion.get("code", ""),
                "status": criterion.get("status", ""),
                "mark": CRITERION_STATUS_LABELS.get(criterion.get("status"), ""),
                "message": criterion.get(f"message_{language}")
                or criterion.get("message_fr")
                or criterion.get("message", ""),
            }
        )
    return rows


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
        "criteria": criteria_rows(screening),
        "events": application.events.select_related("actor"),
        "appointments": application.appointments.all(),
        "decisions": buttons_for(request.user, application),
    }
