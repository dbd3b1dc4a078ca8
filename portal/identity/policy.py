"""The portal's sign-in policy, by role, in one place.

Roles come from what the account is attached to (see portal.models.User): the municipal staff
group (or superuser), a training-structure membership, a partner-company membership, a candidate
profile. Reverse relations are used so that this module imports no domain app.
"""

from django.urls import reverse


def is_centre_staff(user):
    return user.provider_memberships.exists()


def is_partner_member(user):
    return user.partner_memberships.exists()


def is_adviser(user):
    """A current member of an orienting organisation (France Travail, a Mission locale…; see
    candidates.advisers): not left, account active."""
    return user.is_active and user.adviser_memberships.filter(left_at__isnull=True).exists()


def is_candidate(user):
    return hasattr(user, "candidate_profile")


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
    if is_centre_staff(user):
        return reverse("centre:session_list")
    if is_partner_member(user):
        return reverse("partners:space")
    if is_candidate(user):
        return reverse("candidates:application_list")
    return reverse("home")
