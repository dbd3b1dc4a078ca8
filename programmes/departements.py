"""French départements by name: candidates read « Seine-Saint-Denis (93) », not a bare « 93 »
(walk-through row 35). The names come from django-localflavor's list (every département, Corsica
and overseas included); an unknown code is shown as it is."""

from localflavor.fr.fr_department import DEPARTMENT_CHOICES

NAMES = {code: label.split(" - ", 1)[1] for code, label in DEPARTMENT_CHOICES}


def departement_label(code):
    """« Seine-Saint-Denis (93) » for "93"; the code itself when unknown."""
    code = str(code).strip().upper()
    name = NAMES.get(code)
    return f"{name} ({code})" if name else code
