"""The second factor (django-allauth MFA) and what makes a session "strong".

A session is strong when it passed a second factor: allauth records a "mfa" authentication when a
TOTP code, a recovery code or a security key is accepted at login or re-authentication; enrolling
an authenticator app or a key proves possession too (the code or key was just checked), so it counts
as well. A ProConnect sign-in that ProConnect itself reports as multi-factor (its ``acr``/``amr``)
also counts (portal.identity.federation).
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.utils.translation import gettext_lazy as _

from .policy import requires_second_factor

SECOND_FACTOR_TYPES = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
# Set by a strong federated sign-in: {"user": pk, "provider": …, "acr": …, "amr": […]}.
FEDERATED_STRONG_SESSION_KEY = "portal_federated_strong_authentication"


def has_second_factor(user):
    return is_mfa_enabled(user, SECOND_FACTOR_TYPES)


def is_strongly_authenticated(request):
    user = request.user
    if any(record.get("method") == "mfa" for record in get_authentication_records(request, user)):
        return True
    federated = request.session.get(FEDERATED_STRONG_SESSION_KEY)
    return isinstance(federated, dict) and federated.get("user") == user.pk


def record_enrolment(sender, request, user, authenticator, **kwargs):
    """(allauth.mfa.signals.authenticator_added) An app or a key just enrolled counts as a second
    factor for this session: its first code or signature has just been checked."""
    from allauth.account.internal.flows.login import record_authentication

    if request is not None and authenticator.type in SECOND_FACTOR_TYPES:
        record_authentication(request, user, "mfa", type=authenticator.type, id=authenticator.pk, enrolled=True)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "La double authentification est obligatoire pour votre rôle : ajoutez d'abord une autre "
            "méthode (une clé de sécurité, une autre application) avant de retirer celle-ci."
        ),
    }

    def can_delete_authenticator(self, authenticator):
        """Whoever must have a second factor cannot remove their last one (they may add another
        first, then remove the old one)."""
        if authenticator.type not in SECOND_FACTOR_TYPES or not requires_second_factor(authenticator.user):
            return True
        others = Authenticator.objects.filter(user=authenticator.user, type__in=SECOND_FACTOR_TYPES).exclude(
            pk=authenticator.pk
        )
        return others.exists()
