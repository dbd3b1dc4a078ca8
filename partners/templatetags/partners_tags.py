"""Partners' pieces on pages that other apps own: the menu entries, a session's commitments (the
catalogue's session page), the programme dashboard's figures (the admin). Templates load them, so
the apps below partners never import it."""

from django import template
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef

from candidates.models import AdviserMembership, Application, CandidateProfile
from portal.models import User
from programmes.models import ProviderMembership

from ..models import ADMITTED_STATUSES, Commitment, PartnerMembership
from ..services import commitment_figures

register = template.Library()


MENU_ROLES_SECONDS = 3600


MENU_ROLES_ATTRIBUTE = "_menu_roles"


def menu_roles_key(user_id):
    return f"menu-roles:{user_id}"


def menu_roles(user):
    """Which spaces the logged-in user's menu links to. Every page shows the menu: the answer is
    cached per user, and forgotten when one of them changes (forget_menu_roles, see apps.py); read
    once per request, usually with the signed-in user in one round trip (portal.user_cache's
    ``read_with_user``, see apps.py), and kept on the request's user."""
    roles = getattr(user, MENU_ROLES_ATTRIBUTE, None)
    if roles is not None:
        return roles
    key = menu_roles_key(user.pk)
    roles = cache.get(key)
    if roles is None:
        roles = _query_menu_roles(user)
        cache.set(key, roles, MENU_ROLES_SECONDS)
    setattr(user, MENU_ROLES_ATTRIBUTE, roles)
    return roles


def forget_menu_roles(user_id):
    """Now (this request reads the change) and after commit (no request renders the old roles
    into the cache between the two)."""
    cache.delete(menu_roles_key(user_id))
    transaction.on_commit(lambda: cache.delete(menu_roles_key(user_id)), robust=True)


def _query_menu_roles(user):
    return (
        User.objects.filter(pk=user.pk)
        .annotate(
            is_candidate=Exists(CandidateProfile.objects.filter(user=OuterRef("pk"))),
            is_centre_member=Exists(ProviderMembership.objects.filter(user=OuterRef("pk"))),
            is_partner=Exists(PartnerMembership.objects.filter(user=OuterRef("pk"))),
            is_trainee=Exists(Application.objects.filter(candidate=OuterRef("pk"), status__in=ADMITTED_STATUSES)),
            is_adviser=Exists(AdviserMembership.objects.active().filter(user=OuterRef("pk"))),
        )
        .values("is_candidate", "is_centre_member", "is_partner", "is_trainee", "is_adviser")
        .get()
    )


@register.simple_tag(takes_context=True, name="menu_roles")
def menu_roles_tag(context):
    """``{% menu_roles as roles %}``: the visitor's roles as the menu shows them ({} when anonymous);
    base.html keys its cached frame on them (portal.templatetags.portal_chrome)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {}
    return menu_roles(user)


@register.inclusion_tag("partners/includes/nav_items.html", takes_context=True)
def partner_nav_items(context):
    """Menu entries by role: the candidate's pages, the training centre's space, partner companies'
    members (their space) and admitted trainees (the opportunities offered to them)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {}
    return menu_roles(user)


@register.inclusion_tag("partners/includes/session_commitments.html")
def session_commitments(session):
    """The partner companies' commitments on a session, for its public page. A tag, so that the
    catalogue (programmes) shows them without importing partners: partners sits above it."""
    commitments = Commitment.objects.filter(session=session).select_related("signature__company").order_by("kind")
    return {"commitments": commitments}


@register.inclusion_tag("admin/partners/dashboard_partners.html")
def programme_commitment_figures(programme=None):
    """The partners' promised and delivered figures on the programme dashboard (candidates.admin),
    for one programme (its id) or all."""
    return {"partner_figures": commitment_figures(programme=programme)}
