"""The emails of an adviser's work: an invitation to join an organisation, the request for a
person's accord, the notice that a person withdrew an organisation's access; and what keeps
advisers informed of the people they follow (``notify_advisers``, called by the workflow's service
with every move, beside the candidate's emails of ``candidates.notifications``), under each
member's preferences, and the weekly digest of who needs a nudge (``queue_weekly_digests``, beat).

Outbox rows written in the caller's transaction; each idempotency key names the fact it reports.
A person without an email address gets nothing here: their adviser prints them a code sheet."""

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from portal.outbox import queue_email, queue_emails

from .. import notifications
from ..models import AdviserMembership, Application, Support
from . import links
from .models import needs_nudge


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


# --- Keeping advisers informed (preferences per membership) -------------------------------------

# The transitions an adviser hears about under each preference; every other move of an
# application they follow is a status change. The adviser's own moves are never sent back to them.
INVITATION_TRANSITIONS = frozenset({"invite_to_test", "invite_to_interview"})
OFFER_TRANSITIONS = frozenset({"offer_seat"})


def _preference(transition):
    if transition in INVITATION_TRANSITIONS:
        return "notify_invitations"
    if transition in OFFER_TRANSITIONS:
        return "notify_offers"
    return "notify_status_changes"


def _followers(pairs):
    """``{(organisation_id, person_id): (support, [memberships to tell])}`` for the current
    supports among ``pairs``: the referent if they are still a member, else every member. Two
    queries whatever the number of pairs."""
    organisations = {organisation for organisation, _person in pairs}
    supports = Support.objects.current().filter(
        organisation__in=organisations, person__in={person for _organisation, person in pairs}
    )
    members = {}
    for membership in (
        AdviserMembership.objects.active().filter(organisation__in=organisations).select_related("user", "organisation")
    ):
        members.setdefault(membership.organisation_id, []).append(membership)
    found = {}
    for support in supports:
        key = (support.organisation_id, support.person_id)
        if key not in pairs:
            continue
        organisation_members = members.get(support.organisation_id, [])
        referents = [m for m in organisation_members if m.user_id == support.referent_id]
        found[key] = (support, referents or organisation_members)
    return found


def notify_advisers(events):
    """Queue, for each event of an application an organisation oriented, the email to the advisers
    who follow the person (their preferences decide): a status change, an invitation to a test or
    an interview (with its ``.ics``), a seat offered (with its deadline). Called in the business
    transaction by the workflow's service, for one event or a batch (a constant number of
    queries). Returns how many emails were queued."""
    events = [e for e in events if e.application.oriented_by_id is not None and e.application.candidate_id]
    if not events:
        return 0
    followers = _followers({(e.application.oriented_by_id, e.application.candidate_id) for e in events})
    specs = []
    for event in events:
        application = event.application
        support, memberships = followers.get((application.oriented_by_id, application.candidate_id), (None, []))
        preference = _preference(event.transition)
        recipients = [m for m in memberships if getattr(m, preference) and m.user_id != event.actor_id]
        if not recipients:
            continue
        appointment = None
        if event.transition in INVITATION_TRANSITIONS:
            appointment = application.appointments.order_by("-created_at", "-pk").first()
        for membership in recipients:
            attachment = None
            if appointment is not None:
                ics = notifications.appointment_ics(appointment, language=membership.user.language)
                attachment = ("convocation.ics", ics, "text/calendar")
            specs.append(
                {
                    "kind": f"adviser_{preference.removeprefix('notify_')}",
                    "to": membership.user,
                    "template": "adviser_update",
                    "idempotency_key": f"adviser_update:{event.pk}:{membership.user_id}",
                    "why": "adviser",
                    "application": application,
                    "attachment": attachment,
                    "context": {
                        "event": event,
                        "application": application,
                        "session": application.session,
                        "person": application.candidate,
                        "organisation": membership.organisation,
                        "appointment": appointment,
                        "deadline": application.offer_expires_at if event.transition in OFFER_TRANSITIONS else None,
                        "adviser_url": settings.SITE_URL
                        + reverse("advisers:application", args=[application.reference]),
                    },
                }
            )
    return len(queue_emails(specs))


# --- The weekly digest (beat) -----------------------------------------------------------------


def queue_weekly_digests(*, now=None):
    """Monday (beat): to each adviser who wants it, the people they follow who need a nudge (a
    draft not sent, an application waiting for the person's accord, an offer about to expire).
    Nothing when there is nobody to nudge; once a week per membership (idempotent)."""
    now = now or timezone.now()
    applications = list(
        Application.objects.filter(needs_nudge(now=now), oriented_by__isnull=False, candidate__isnull=False)
        .filter(
            Exists(
                Support.objects.current().filter(
                    organisation=OuterRef("oriented_by_id"), person=OuterRef("candidate_id")
                )
            )
        )
        .select_related("candidate", "session")
        .order_by("offer_expires_at", "updated_at", "pk")
    )
    if not applications:
        return 0
    followers = _followers({(a.oriented_by_id, a.candidate_id) for a in applications})
    by_membership = {}
    for application in applications:
        _support, memberships = followers.get((application.oriented_by_id, application.candidate_id), (None, []))
        for membership in memberships:
            if membership.receives_weekly_digest:
                by_membership.setdefault(membership.pk, (membership, []))[1].append(application)
    year, week, _day = timezone.localdate(now).isocalendar()
    return len(
        queue_emails(
            {
                "kind": "digest_adviser",
                "to": membership.user,
                "template": "digest_adviser",
                "idempotency_key": f"digest_adviser:{membership.pk}:{year}-{week}",
                "why": "adviser",
                "context": {
                    "organisation": membership.organisation,
                    "rows": [
                        {
                            "application": application,
                            "person": application.candidate,
                            "url": settings.SITE_URL + reverse("advisers:application", args=[application.reference]),
                        }
                        for application in rows
                    ],
                    "space_url": settings.SITE_URL + reverse("advisers:space") + "?state=nudge",
                },
            }
            for membership, rows in by_membership.values()
        )
    )
