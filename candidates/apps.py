from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CandidatesConfig(AppConfig):
    name = "candidates"
    verbose_name = _("Candidats et candidatures")
    # Written only by their services (portal.doors): applications by the workflow service and the
    # services built on it (applying, screening, seats, personal data); appointments by invite()
    # and record_outcome().
    service_written_models = ("candidates.Application", "candidates.Appointment")
