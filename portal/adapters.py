"""django-allauth through the outbox: account emails (address verification, password reset,
security notices) are rendered by allauth, then queued like every other email of the portal."""

import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.auth import get_user_model
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation

from .outbox import queue_rendered_email


class AccountAdapter(DefaultAccountAdapter):
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
