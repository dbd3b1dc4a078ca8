"""Reading a stored screening's criteria: the one reader of ``Screening.criteria``.

A screening stores the rules engine's result as JSON (one dict per criterion: code, status, reason
code, parameters, messages in French and English, what is still needed). The admin's application
page and screening lists, the training centre, the candidate's page and the screening emails read
it here, in the reader's language, as it was when the screening ran. A malformed or older entry
gives fewer details, never an error. A reader who asked for « Facile à lire et à comprendre »
(``portal.easy_read``) gets the FALC message of the criterion's reason, with the stored parameters.
"""

from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal import easy_read
from programmes import eligibility

from .models import CriterionVerification

STATUS_MARKS = {eligibility.MET: "✔", eligibility.NOT_MET: "✘", eligibility.TO_BE_CHECKED: "?"}
STATUS_LABELS = {
    eligibility.MET: _("respecté"),
    eligibility.NOT_MET: _("non respecté"),
    eligibility.TO_BE_CHECKED: _("à vérifier"),
}
DOCUMENT_NEED = "document:"
# What each criterion is, in words (staff pages): the verifiable ones by their model labels.
CRITERION_LABELS = {
    **dict(CriterionVerification.Criterion.choices),
    eligibility.RULES: _("Règles du programme"),
}


def _language(language=None):
    return "en" if (language or get_language() or "fr")[:2] == "en" else "fr"


@dataclass(frozen=True)
class StoredCriterion:
    code: str
    status: str
    reason_code: str
    messages: dict
    needs: tuple
    params: tuple = ()

    @classmethod
    def from_json(cls, entry):
        messages = {"fr": entry.get("message_fr") or entry.get("message", ""), "en": entry.get("message_en", "")}
        needs = tuple(need for need in entry.get("needs") or () if isinstance(need, str))
        params = entry.get("params")
        params = tuple(sorted(params.items())) if isinstance(params, dict) else ()
        return cls(
            entry.get("code", ""), entry.get("status", ""), entry.get("reason_code", ""), messages, needs, params
        )

    def message_in(self, language=None):
        """The message in ``language`` (default: the active one), French when it has none; its FALC
        version when the reader asked for it and the reason is known."""
        if easy_read.active() and self.reason_code in eligibility.EASY_READ_MESSAGES:
            try:
                return eligibility.render_message(self.reason_code, self.params, _language(language), easy_read=True)
            except (KeyError, TypeError, ValueError):
                pass  # parameters of an older screening that the FALC text does not take: the stored message
        return self.messages.get(_language(language)) or self.messages["fr"]

    @property
    def message(self):
        return self.message_in()

    @property
    def mark(self):
        return STATUS_MARKS.get(self.status, "")

    @property
    def label(self):
        return CRITERION_LABELS.get(self.code, self.code)

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def documents(self):
        """The kinds of documents this criterion still needs (``ApplicationDocument.Kind`` values)."""
        return [need.removeprefix(DOCUMENT_NEED) for need in self.needs if need.startswith(DOCUMENT_NEED)]

    @property
    def answers(self):
        """The profile answers this criterion still needs (``CandidateProfile`` field names)."""
        return [need for need in self.needs if not need.startswith(DOCUMENT_NEED)]


def criteria_of(screening):
    """The screening's criteria, in the engine's order (none without a screening)."""
    if screening is None or not isinstance(screening.criteria, list):
        return []
    return [StoredCriterion.from_json(entry) for entry in screening.criteria if isinstance(entry, dict)]


def explained(screening):
    """The criteria that explain a screening's outcome to the candidate: those not met (not
    eligible) or still to check (to be checked); none when eligible."""
    if screening is None or screening.outcome == eligibility.ELIGIBLE:
        return []
    status = eligibility.NOT_MET if screening.outcome == eligibility.NOT_ELIGIBLE else eligibility.TO_BE_CHECKED
    return [criterion for criterion in criteria_of(screening) if criterion.status == status]


def candidate_reasons(screening, language="fr"):
    """What to tell the candidate about a screening, in their language: the criteria not met
    (not eligible) or still to check (to be checked), as stored when it ran."""
    return [criterion.message_in(language) for criterion in explained(screening)]
