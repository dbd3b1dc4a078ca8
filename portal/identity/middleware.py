"""Staff sessions: they end after a period of inactivity, and they open nothing but the account's
own pages until they have passed a second factor.

Whether a session is a staff one (the roles of portal.identity.policy that must have a second
factor) is decided at login and kept in the session, so that a candidate's request costs no query
here; the admin and the training-centre space check the role afresh at every request, so that a role
granted during a session is covered there too. The last activity is written at most once a minute.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .mfa import has_second_factor, is_strongly_authenticated
from .policy import read_roles, requires_second_factor

STAFF_SESSION_KEY = "portal_staff_session"
LAST_ACTIVITY_KEY = "portal_last_activity"
ACTIVITY_WRITE_INTERVAL = 60
# Always checked against the user's current roles.
SECOND_FACTOR_NAMESPACES = {"admin", "centre"}
# What a staff session without a second factor may still open: its account, its second factor,
# its sessions, the language switch, and the way out.
OPEN_VIEW_PREFIXES = ("account_", "mfa_", "usersessions_", "socialaccount_", "openid_connect_")
OPEN_VIEWS = {"account_security", "preferences", "set_language", "javascript-catalog", "admin:logout"}


def mark_staff_session(sender, request, user, **kwargs):
    """(user_logged_in) Remember whether this session is a staff one and start its idle clock."""
    if request is None or not hasattr(request, "session"):
        return
    if not (user.is_staff or user.is_superuser):
        # The landing page (policy.landing_url) asks for the other roles next: one query for all.
        read_roles(user)
    staff = requires_second_factor(user)
    request.session[STAFF_SESSION_KEY] = staff
    if staff:
        request.session[LAST_ACTIVITY_KEY] = time.time()


def is_open_to_weak_sessions(match):
    if match.view_name in OPEN_VIEWS:
        return True
    # django-allauth's own pages are not namespaced ("account_…" inside the admin is allauth's models).
    return not match.namespaces and match.url_name is not None and match.url_name.startswith(OPEN_VIEW_PREFIXES)


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._is_staff_session(request) and self._idle_for_too_long(request.session):
            logout(request)
            minutes = settings.STAFF_SESSION_IDLE_TIMEOUT // 60
            messages.info(
                request,
                _("Votre session a expiré après %(minutes)s minutes d'inactivité : reconnectez-vous.")
                % {"minutes": minutes},
            )
            return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _is_staff_session(request):
        session = getattr(request, "session", None)
        if session is None or not request.user.is_authenticated:
            return False
        staff = session.get(STAFF_SESSION_KEY)
        if staff is None:  # a session opened before this check existed
            staff = session[STAFF_SESSION_KEY] = requires_second_factor(request.user)
        return staff

    @staticmethod
    def _idle_for_too_long(session):
        now = time.time()
        last = session.get(LAST_ACTIVITY_KEY)
        if last is not None and now - last > settings.STAFF_SESSION_IDLE_TIMEOUT:
            return True
        if last is None or now - last >= ACTIVITY_WRITE_INTERVAL:
            session[LAST_ACTIVITY_KEY] = now
        return False

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or not request.user.is_authenticated or is_open_to_weak_sessions(match):
            return None
        if SECOND_FACTOR_NAMESPACES.intersection(match.namespaces):
            needs_second_factor = requires_second_factor(request.user)
        else:
            needs_second_factor = self._is_staff_session(request)
        if not needs_second_factor or is_strongly_authenticated(request):
            return None
        query = urlencode({"next": request.get_full_path()})
        if has_second_factor(request.user):
            # Set up, but not used by this session (e.g. a ProConnect sign-in without MFA).
            return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
        return redirect(f"{reverse('account_security')}?{query}")
