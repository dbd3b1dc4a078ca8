"""Roles held through groups: the municipal staff group's permissions, declared once.

The data migration (portal 0002) creates the group; a post_migrate hook applies the same
declaration again after every migrate, so permissions of models added later reach the group.
Permissions are only ever added, and the group never gets any ``delete_`` permission: applications
are refused or withdrawn, never deleted, and superusers stay apart (they hold every right anyway).
"""

from django.apps import apps as global_apps
from django.conf import settings

# app label -> model -> actions
MUNICIPAL_STAFF_PERMISSIONS = {
    "candidates": {
        "application": ("view", "change"),
        "applicationevent": ("view",),
        "applicationmessage": ("view", "add", "change"),
        "applicationdocument": ("view",),
        "appointment": ("view",),  # invited and graded through the services
        "screening": ("view",),
        "criterionverification": ("view", "add"),
        "rescreeningrun": ("view",),
        "candidateprofile": ("view",),
        "exportjob": ("view", "add"),
        # Orienting organisations: created and habilitated by the City, members invited and
        # removed through the services (candidates.advisers); supports are read only.
        "adviserorganisation": ("view", "add", "change"),
        "advisermembership": ("view", "change"),
        "adviserinvitation": ("view", "add"),
        "support": ("view",),
    },
    "programmes": {
        "programme": ("view", "change"),
        "programmeaudience": ("view", "add", "change"),
        "programmelabel": ("view", "add", "change"),
        "funding": ("view", "add", "change"),
        "funder": ("view", "add", "change"),
        "session": ("view", "change"),
        "eligibilityruleset": ("view", "add", "change"),
        "trainingprovider": ("view",),
        "trainingsite": ("view",),
        "providermembership": ("view",),
    },
    "partners": {
        "partnercompany": ("view", "change"),
        "charter": ("view",),
        "chartersignature": ("view",),
        "commitment": ("view", "change"),
        "opportunity": ("view",),
        "opportunitytrack": ("view",),
        "interest": ("view",),
    },
    "portal": {"outgoingemail": ("view",), "informationpage": ("view", "change")},
}


def sync_municipal_staff_group(apps):
    """Create the group if needed and add the declared permissions that exist (``apps`` is the
    migration state or django.apps.apps)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=settings.MUNICIPAL_STAFF_GROUP)
    wanted = [
        (app_label, f"{action}_{model}")
        for app_label, models in MUNICIPAL_STAFF_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    found = Permission.objects.filter(
        content_type__app_label__in=MUNICIPAL_STAFF_PERMISSIONS, codename__in=[codename for _a, codename in wanted]
    ).select_related("content_type")
    group.permissions.add(*[p for p in found if (p.content_type.app_label, p.codename) in set(wanted)])
    group.permissions.remove(*group.permissions.filter(codename__startswith="delete_"))
    return group


def create_all_permissions(apps):
    """Permissions are normally created after migrate; a data migration needs them now."""
    # Imported here, not above: these modules load the auth models, and this module is imported
    # while the apps are loading (portal.apps), before any model may be.
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_config in apps.get_app_configs():
        # Migration-state app configs have no models module, which makes these functions skip them.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_contenttypes(app_config, apps=apps, verbosity=0)
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module


def sync_after_migrate(sender, **kwargs):
    create_all_permissions(global_apps)
    sync_municipal_staff_group(global_apps)
