from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _

from .roles import sync_after_migrate
from .user_cache import forget_saved_user


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portail")

    def ready(self):
        from allauth.account.signals import user_logged_in as allauth_user_logged_in
        from allauth.account.signals import user_signed_up
        from allauth.mfa.signals import authenticator_added
        from allauth.socialaccount.signals import social_account_added
        from django.contrib.auth.signals import user_logged_in

        from .identity import federation
        from .identity.mfa import record_enrolment
        from .identity.middleware import mark_staff_session

        user_logged_in.connect(mark_staff_session, dispatch_uid="portal.identity.mark_staff_session")
        authenticator_added.connect(record_enrolment, dispatch_uid="portal.identity.record_enrolment")
        # allauth's own signal: it carries the sociallogin.
        allauth_user_logged_in.connect(federation.on_login, dispatch_uid="portal.identity.federated_login")
        social_account_added.connect(federation.on_account_added, dispatch_uid="portal.identity.federated_link")
        user_signed_up.connect(federation.on_signed_up, dispatch_uid="portal.identity.federated_sign_up")
        # The signed-in user is read from the cache: forgotten as soon as the row changes.
        user_model = self.get_model("User")
        post_save.connect(forget_saved_user, sender=user_model, dispatch_uid="portal.forget_saved_user")
        post_delete.connect(forget_saved_user, sender=user_model, dispatch_uid="portal.forget_deleted_user")
        # Runs once per migrate (sent for this app only), after every app's migrations.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="portal.sync_municipal_staff_group")
