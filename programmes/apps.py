from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = _("Programmes et sessions")
    # Written only by their services (portal.doors): sessions by the seat service
    # (candidates.seats), rule sets as new versions (programmes.rules.save_new_version).
    service_written_models = ("programmes.Session", "programmes.EligibilityRuleSet")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from portal.public_cache import invalidate_on_commit

        from . import models

        # What the public pages show (portal.public_cache): they are rendered again after a change.
        shown = (
            models.Programme,
            models.Funding,
            models.ProgrammeLabel,
            models.ProgrammeAudience,
            models.TrainingProvider,
            models.TrainingSite,
            models.Session,
            models.EligibilityRuleSet,
        )
        for model in shown:
            post_save.connect(invalidate_on_commit, sender=model, dispatch_uid=f"public-pages:{model.__name__}")
            post_delete.connect(invalidate_on_commit, sender=model, dispatch_uid=f"public-pages:{model.__name__}")
