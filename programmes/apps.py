from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = _("Programmes et sessions")
    # Written only by their services (portal.doors): sessions by the seat service
    # (candidates.seats), rule sets as new versions (programmes.rules.save_new_version).
    service_written_models = ("programmes.Session", "programmes.EligibilityRuleSet")
