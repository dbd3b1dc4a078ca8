"""A candidate's identity as FranceConnect vouched for it (portal.identity.federation): the names on
the account, birth date, birth place and gender are filled from its identity pivot and marked
verified; the profile form then shows them read-only, and the screening counts the birth date as
checked (candidates.screening)."""

from django.db import transaction
from django.utils import timezone

from .models import CandidateProfile, IdentityProvider

GENDERS = {"female": CandidateProfile.Gender.WOMAN, "male": CandidateProfile.Gender.MAN}


def apply_verified_identity(sender, request, user, identity, **kwargs):
    """(portal.identity.federation.identity_verified) Fill and mark the candidate's identity."""
    with transaction.atomic():
        profile, _created = CandidateProfile.objects.select_for_update().get_or_create(
            user=user, defaults={"privacy_consent_at": timezone.now()}
        )
        user.first_name = identity.given_names[:150] or user.first_name
        user.last_name = identity.family_name[:150] or user.last_name
        user.save(update_fields=["first_name", "last_name"])
        profile.birth_date = identity.birth_date or profile.birth_date
        profile.gender = GENDERS.get(identity.gender, profile.gender)
        profile.birth_place = identity.birth_place[:5]
        profile.birth_country = identity.birth_country[:5]
        profile.identity_verified_by = IdentityProvider.FRANCECONNECT
        profile.identity_verified_at = identity.verified_at
        profile.save()
