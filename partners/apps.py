from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Entreprises partenaires")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from portal.public_cache import invalidate_on_commit

        from .models import Commitment

        # A session's page lists the companies' commitments to it (portal.public_cache).
        post_save.connect(invalidate_on_commit, sender=Commitment, dispatch_uid="public-pages:Commitment")
        post_delete.connect(invalidate_on_commit, sender=Commitment, dispatch_uid="public-pages:Commitment")

        # The menu's links by role are cached per user (templatetags.partners_tags.menu_roles),
        # and read in the same round trip to the cache as the signed-in user.
        from candidates.models import AdviserMembership, ApplicationEvent, CandidateProfile
        from portal.user_cache import read_with_user
        from programmes.models import ProviderMembership

        from .models import PartnerMembership
        from .templatetags.partners_tags import MENU_ROLES_ATTRIBUTE, menu_roles_key

        read_with_user(MENU_ROLES_ATTRIBUTE, menu_roles_key)

        for model in (CandidateProfile, ProviderMembership, PartnerMembership, AdviserMembership):
            post_delete.connect(_roles_changed, sender=model, dispatch_uid=f"menu-roles:{model.__name__}")
        # An adviser's membership: joining, and leaving (a save that dates it).
        for model in (ProviderMembership, PartnerMembership, AdviserMembership):
            post_save.connect(_roles_changed, sender=model, dispatch_uid=f"menu-roles:{model.__name__}")
        # A profile makes its user a candidate when it is created; its later saves (every
        # application's profile step) change nothing in the menu.
        post_save.connect(_profile_created, sender=CandidateProfile, dispatch_uid="menu-roles:CandidateProfile")
        post_save.connect(_trainee_changed, sender=ApplicationEvent, dispatch_uid="menu-roles:ApplicationEvent")


def _roles_changed(sender, instance, **kwargs):
    from .templatetags.partners_tags import forget_menu_roles

    forget_menu_roles(instance.user_id)


def _profile_created(sender, instance, created, **kwargs):
    if created:
        _roles_changed(sender, instance)


def _trainee_changed(sender, instance, created, **kwargs):
    from .models import ADMITTED_STATUSES
    from .templatetags.partners_tags import forget_menu_roles

    if created and (instance.from_status in ADMITTED_STATUSES) != (instance.to_status in ADMITTED_STATUSES):
        forget_menu_roles(instance.application.candidate_id)
