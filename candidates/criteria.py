"""Reading a stored screening's criteria: the one reader of ``Screening.criteria``.

A screening stores the rules engine's result as JSON (one dict per criterion: code, status, reason
code, messages in French and English, what is still needed); pages and emails read it here, in the
reader's language, as it was when the screening ran.
"""

from programmes import eligibility


def candidate_reasons(screening, language="fr"):
    """What to tell the candidate about a screening, in their language: the criteria not met
    (not eligible) or still to check (to be checked), as stored when it ran."""
    if screening is None or screening.outcome == eligibility.ELIGIBLE:
        return []
    status = eligibility.NOT_MET if screening.outcome == eligibility.NOT_ELIGIBLE else eligibility.TO_BE_CHECKED
    key = "message_en" if (language or "fr")[:2] == "en" else "message_fr"
    return [
        criterion.get(key) or criterion.get("message_fr", "")
        for criterion in screening.criteria
        if criterion.get("status") == status
    ]
