"""The pages the automated accessibility tests check at every change, at phone and desktop size
(portal/tests/test_accessibility_sweep.py walks exactly this list with axe-core and fails on any
serious or critical violation); the accessibility statement lists them as its tested sample."""

from django.utils.translation import gettext_lazy as _

# (what the page is, for the statement; who opens it in the sweep; how the sweep reaches it)
CHECKED_PAGES = (
    (_("Accueil"), "anonymous", "home"),
    (_("Toutes les formations (recherche et filtres)"), "anonymous", "catalogue"),
    (_("Page d'une session, avec « Suis-je éligible ? »"), "anonymous", "session"),
    (_("Créer un compte, se connecter, mot de passe oublié"), "anonymous", "accounts"),
    (_("Déclaration d'accessibilité, mentions légales, confidentialité, aide et contact"), "anonymous", "information"),
    (_("Les étapes de la candidature (profil, motivation, documents, vérification)"), "candidate", "apply"),
    (_("Mes candidatures et le détail d'une candidature, écrire au centre"), "candidate", "applications"),
    (_("Mon profil, mes données, mes préférences"), "candidate", "account"),
    (_("Espace centre de formation : sessions, candidats, messages"), "centre", "centre"),
    (_("Espace partenaire et opportunités des apprenants"), "partner", "partners"),
    (_("Administration : candidatures, tableau de bord, messages"), "agent", "admin"),
    (_("Page introuvable (erreur 404)"), "anonymous", "errors"),
)
