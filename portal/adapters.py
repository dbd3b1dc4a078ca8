"""django-allauth, the portal's way: account emails (address verification, password reset,
security notices) are rendered, then queued through the outbox like every other email; each role
lands on its own space after signing in; client addresses follow the trusted proxy.

The emails a newcomer reads first (confirming the address at sign-up or after a change, resetting
the password) are the portal's own, in its layout (``templates/emails/account_*``): what happens
next, how long the link is valid, and a link that leads back to the application the person was
starting even when opened in another browser (the ``next`` page travels in the link itself,
not only in the browser session: see candidates.accounts). The others keep allauth's text with the
portal's subjects."""

import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import get_next_redirect_url
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.utils import translation

from .identity import federation
from .identity.policy import landing_url
from .outbox import queue_rendered_email, render_email, render_subject
from .proxy import client_ip

# allauth's template prefix → the portal's email template (templates/emails/<name>*).
PORTAL_ACCOUNT_EMAILS = {
    "account/email/email_confirmation_signup": "account_confirm_signup",
    "account/email/email_confirmation": "account_confirm_email",
    "account/email/password_reset_key": "account_password_reset",
}


def supported_language(code):
    """The portal language matching ``code`` ("en-gb" → "en"), French otherwise."""
    code = (code or "").split("-")[0].lower()
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        # Only used when the login did not carry a `next` (allauth honours that one first).
        return landing_url(request.user)

    def get_client_ip(self, request):
        # The portal's one reader of client addresses (portal.proxy), never allauth's own.
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def get_login_stages(self):
        # allauth's second-factor step, skipped after a ProConnect sign-in that had one.
        return [
            "portal.identity.federation.AuthenticateStage" if stage == "allauth.mfa.stages.AuthenticateStage" else stage
            for stage in super().get_login_stages()
        ]

    def get_logout_redirect_url(self, request):
        # (allauth asks before logging out.) Signed in through FranceConnect or ProConnect: the
        # browser goes on to end that session too (its end_session_endpoint), then comes back home.
        federated = request.session.get(federation.LOGOUT_SESSION_KEY)
        if federated:
            url = federation.end_session_url(request, federated)
            if url:
                return url
        return super().get_logout_redirect_url(request)

    def save_user(self, request, user, form, commit=True):
        # The account speaks the language the person used to sign up (emails included).
        user.language = supported_language(translation.get_language())
        return super().save_user(request, user, form, commit=commit)

    def get_email_confirmation_url(self, request, emailconfirmation):
        url = super().get_email_confirmation_url(request, emailconfirmation)
        next_url = get_next_redirect_url(request) if request is not None else None
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url

    def send_mail(self, template_prefix, email, context):
        request = allauth_context.request
        user = get_user_model().objects.filter(email__iexact=email).first()
        language = user.language if user is not None else supported_language(translation.get_language())
        ctx = {"request": request, "email": email, "recipient": user}
        if request is not None:
            ctx["current_site"] = get_current_site(request)
        ctx.update(context)
        portal_template = PORTAL_ACCOUNT_EMAILS.get(template_prefix)
        if portal_template is not None:
            subject, body_text, body_html = self._render_portal_email(portal_template, ctx, language, user)
        else:
            subject, body_text, body_html = self._render_allauth_email(template_prefix, email, ctx, language)
        queue_rendered_email(
            kind="account_" + template_prefix.rsplit("/", 1)[-1],
            recipient=email,
            recipient_user=user,
            language=language,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            # Each call is a distinct request (a new code, a new link): never deduplicated.
            idempotency_key=f"account:{uuid.uuid4()}",
        )

    def _render_portal_email(self, template, ctx, language, user):
        next_url = parse_qs(urlsplit(ctx.get("activate_url", "")).query).get("next", [""])[0]
        ctx = {
            **ctx,
            "link_valid_days": account_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS,
            "reset_link_valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            **self.next_page_context(next_url),
        }
        return render_email(template, ctx, language=language, why="account", user=user)

    def next_page_context(self, next_url):
        """What the confirmation email may say about the page the person will return to (the
        candidates' adapter names the session they were applying to)."""
        return {}

    def _render_allauth_email(self, template_prefix, email, ctx, language):
        with translation.override(language):
            message = self.render_mail(template_prefix, email, ctx)
            # allauth renders the subject as HTML (« d&#x27;applications »): a subject is plain text.
            subject = self.format_email_subject(render_subject(f"{template_prefix}_subject.txt", ctx))
        alternatives = getattr(message, "alternatives", [])
        html = next((content for content, mimetype in alternatives if mimetype == "text/html"), "")
        return subject, message.body, html
