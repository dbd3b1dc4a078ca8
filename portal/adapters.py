"""django-allauth, the portal's way: account emails (address verification, password reset,
security notices) are rendered by allauth, then queued through the outbox like every other email;
each role lands on its own space after signing in; client addresses follow the trusted proxy."""

import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.auth import get_user_model
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation

from .identity.policy import landing_url
from .outbox import queue_rendered_email
from .proxy import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        # Only used when the login did not carry a `next` (allauth honours that one first).
        return landing_url(request.user)

    def get_client_ip(self, request):
        return client_ip(request) or super().get_client_ip(request)

    def send_mail(self, template_prefix, email, context):
        request = allauth_context.request
        user = get_user_model().objects.filter(email__iexact=email).first()
        language = user.language if user is not None else translation.get_language() or "fr"
        ctx = {"request": request, "email": email, "recipient": user}
        if request is not None:
            ctx["current_site"] = get_current_site(request)
        ctx.update(context)
        with translation.override(language):
            message = self.render_mail(template_prefix, email, ctx)
        alternatives = getattr(message, "alternatives", [])
        html = next((content for content, mimetype in alternatives if mimetype == "text/html"), "")
        queue_rendered_email(
            kind="account_" + template_prefix.rsplit("/", 1)[-1],
            recipient=email,
            recipient_user=user,
            language=language,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            # Each call is a distinct request (a new code, a new link): never deduplicated.
            idempotency_key=f"account:{uuid.uuid4()}",
        )
