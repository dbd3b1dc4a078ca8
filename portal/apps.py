from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from .roles import sync_after_migrate


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portail")

    def ready(self):
        from allauth.mfa.signals import authenticator_added
        from django.contrib.auth.signals import user_logged_in

        from .identity.mfa import record_enrolment
        from .identity.middleware import mark_staff_session

        user_logged_in.connect(mark_staff_session, dispatch_uid="portal.identity.mark_staff_session")
        authenticator_added.connect(record_enrolment, dispatch_uid="portal.identity.record_enrolment")
        # Runs once per migrate (sent for this app only), after every app's migrations.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="portal.sync_municipal_staff_group")
