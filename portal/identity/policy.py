"""The portal's sign-in policy, by role, in one place.

Roles come from what the account is attached to (see portal.models.User): the municipal staff
group (or superuser), a training-structure membership, a partner-company membership, a candidate
profile. Reverse relations are used so that this module imports no domain app.
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.urls import reverse

ROLES_MEMO = "_identity_roles"


def read_roles(user):
    """Whether ``user`` is a member of a training structure, of a partner company, and has a
    candidate profile: one query for the three, kept on this user instance, where the functions
    below find them. Signing in asks for them twice (the staff session's mark, then the landing
    page): one query instead of four. The instance is one request's (the signed-in user is read
    afresh, or unpickled from the cache, at every request): a role granted since shows at the next
    request, as before. Elsewhere each function asks for its role alone (one smaller query)."""
    memo = getattr(user, ROLES_MEMO, None)
    if memo is None:
        model = get_user_model()

        def member_of(relation):
            return Exists(model._meta.get_field(relation).related_model.objects.filter(user=OuterRef("pk")))

        memo = (
            model._default_manager.filter(pk=user.pk)
            .annotate(
                centre=member_of("provider_memberships"),
                partner=member_of("partner_memberships"),
                candidate=member_of("candidate_profile"),
            )
            .values("centre", "partner", "candidate")
            .first()
        ) or {"centre": False, "partner": False, "candidate": False}
        setattr(user, ROLES_MEMO, memo)  # on the user itself when it is a request's lazy user
    return memo


def _known(user, role):
    memo = getattr(user, ROLES_MEMO, None)
    return None if memo is None else memo[role]


def is_centre_staff(user):
    known = _known(user, "centre")
    return user.provider_memberships.exists() if known is None else known


def is_partner_member(user):
    known = _known(user, "partner")
    return user.partner_memberships.exists() if known is None else known


def is_adviser(user):
    """A current member of an orienting organisation (France Travail, a Mission locale…; see
    candidates.advisers): not left, account active."""
    return user.is_active and user.adviser_memberships.filter(left_at__isnull=True).exists()


def is_candidate(user):
    known = _known(user, "candidate")
    return hasattr(user, "candidate_profile") if known is None else known


def is_professional(user):
    """Staff of the city, of a training structure, of a partner company or of an orienting
    organisation: the people ProConnect is for (it never signs in a candidate)."""
    return user.is_staff or user.is_superuser or is_centre_staff(user) or is_partner_member(user) or is_adviser(user)


def requires_second_factor(user):
    """Municipal staff, superusers and training-centre staff handle candidates' personal data
    (health-related included: RQTH): they cannot use the admin or the centre space without a
    second factor. Partners may add one; candidates are not asked."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or is_centre_staff(user)


def landing_url(user):
    """Where each role lands after signing in, when the login did not say where it was going."""
    if user.is_municipal_staff or user.is_staff:
        return reverse("admin:index")
    read_roles(user)  # the three below in one query (usually read already by mark_staff_session)
    if is_centre_staff(user):
        return reverse("centre:session_list")
    if is_partner_member(user):
        return reverse("partners:space")
    if is_candidate(user):
        return reverse("candidates:application_list")
    return reverse("home")
