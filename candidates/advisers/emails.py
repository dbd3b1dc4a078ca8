"""The emails of an adviser's work that are not about an application's status (those are in
``candidates.notifications``, with the workflow's): an invitation to join an organisation, the
request for a person's accord, the notice that a person withdrew an organisation's access.

Outbox rows written in the caller's transaction; each idempotency key names the fact it reports.
A person without an email address gets nothing here: their adviser prints them a code sheet."""

from django.conf import settings
from django.urls import reverse

from portal.outbox import queue_email

from . import links


def queue_member_invitation(invitation, *, key):
    url = settings.SITE_URL + reverse("advisers:accept_invitation", args=[key])
    return queue_email(
        kind="adviser_member_invitation",
        to=invitation.email,
        template="adviser_member_invitation",
        idempotency_key=f"adviser_member_invitation:{invitation.pk}:{invitation.key_digest[:16]}",
        why="adviser_member_invitation",
        context={
            "invitation": invitation,
            "organisation": invitation.organisation,
            "inviter": invitation.invited_by,
            "accept_url": url,
            "expires_at": invitation.expires_at,
        },
    )


def queue_accord_request(support, *, applications=(), adviser):
    """Ask the person for their accord: to the applications ``adviser`` prepared with them (each
    waits for it), or, without any, to being supported by the organisation. None when the person
    has no email address (the adviser prints the code sheet instead)."""
    person = support.person
    if not person.has_email:
        return None
    applications = list(applications)
    facts = "-".join(str(application.pk) for application in applications) or "support"
    return queue_email(
        kind="adviser_accord_request",
        to=person,
        template="adviser_accord_request",
        idempotency_key=f"adviser_accord_request:{support.pk}:{support.link_version}:{facts}",
        why="adviser_support",
        context={
            "support": support,
            "organisation": support.organisation,
            "adviser": adviser,
            "applications": applications,
            "consent_url": links.consent_url(support),
            "link_days": settings.ADVISER_CONSENT_LINK_DAYS,
        },
    )


def queue_access_withdrawn(support):
    """Tell the referent that the person withdrew the organisation's access (nothing more)."""
    referent = support.referent
    if referent is None or not referent.is_active:
        return None
    return queue_email(
        kind="adviser_access_withdrawn",
        to=referent,
        template="adviser_access_withdrawn",
        idempotency_key=f"adviser_access_withdrawn:{support.pk}",
        why="adviser",
        context={"support": support, "organisation": support.organisation, "person": support.person},
    )
