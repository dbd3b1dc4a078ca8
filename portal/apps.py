from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from .roles import sync_after_migrate


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portail")

    def ready(self):
        # Runs once per migrate (sent for this app only), after every app's migrations.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="portal.sync_municipal_staff_group")
