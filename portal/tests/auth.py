"""Signing test clients in as the login page would.

``Client.force_login`` skips the login page, and with it the second factor: a staff session opened
that way is refused by the admin and the centre space (portal.identity.middleware), as a real session
that skipped its second factor would be. The ``client`` fixture (root conftest) is a ``PortalClient``:
its ``force_login(user)`` ends like a completed login, with the second factor passed when the user has
one set up (staff factories set one up: ``UserFactory(second_factor=False)`` gives one who has not).
``force_login(user, second_factor=False)`` leaves the session without it, like a password-only login.
"""

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.http import HttpRequest
from django.test import Client

from portal.identity.mfa import has_second_factor


def pass_second_factor(client, user):
    """Record in ``client``'s session that ``user`` passed their second factor (their TOTP)."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    request = HttpRequest()
    request.session = client.session
    request.user = user
    record_authentication(request, user, "mfa", type="totp", id=authenticator.pk if authenticator else None)
    request.session.save()


class PortalClient(Client):
    def force_login(self, user, backend=None, *, second_factor=True):
        super().force_login(user, backend)
        if second_factor and has_second_factor(user):
            pass_second_factor(self, user)
