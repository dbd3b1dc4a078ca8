from allauth.mfa.models import Authenticator
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from .mfa import is_strongly_authenticated
from .policy import requires_second_factor


@login_required
def account_security(request):
    """The account's security: why and how to set up a second factor (the page staff are sent to
    while they have none), what is set up, and the ways to manage sessions and connected accounts."""
    kinds = set(Authenticator.objects.filter(user=request.user).values_list("type", flat=True))
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = ""
    return render(
        request,
        "account/security.html",
        {
            "second_factor_required": requires_second_factor(request.user),
            "has_totp": Authenticator.Type.TOTP in kinds,
            "has_webauthn": Authenticator.Type.WEBAUTHN in kinds,
            "has_recovery_codes": Authenticator.Type.RECOVERY_CODES in kinds,
            "strong_session": is_strongly_authenticated(request),
            "next_url": next_url,
        },
    )
