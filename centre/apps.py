from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CentreConfig(AppConfig):
    """The training-centre space: pages for the staff of a training structure. No models of its
    own: sessions live in programmes, applications in candidates, seats in programmes.services."""

    name = "centre"
    verbose_name = _("Espace centre de formation")
