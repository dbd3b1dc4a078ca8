"""Emails of the partners feature, all through the outbox (portal.outbox.queue_email)."""

from portal.outbox import absolute_url, queue_email


def notify_taken(interest):
    """Tell the trainee a company took them. Called inside the decision's transaction: the email is
    written with it and sent after commit. Once per interest, even if the decision is flipped."""
    if interest.candidate is None:
        return None
    return queue_email(
        kind="partners_interest_taken",
        to=interest.candidate,
        template="partners_interest_taken",
        why="partners_interest",
        idempotency_key=f"partners-interest-taken:{interest.pk}",
        context={
            "opportunity": interest.opportunity,
            "company": interest.opportunity.company,
            "opportunity_url": absolute_url("partners:trainee_opportunity", interest.opportunity_id),
        },
    )


def notify_commitments_behind(membership, commitments, *, idempotency_key):
    """The reminder digest to one member of a company behind on its commitments near the season's end."""
    return queue_email(
        kind="partners_commitment_reminder",
        to=membership.user,
        template="partners_commitment_reminder",
        why="partners_reminder",
        idempotency_key=idempotency_key,
        context={
            "company": membership.company,
            "commitments": commitments,
            "space_url": absolute_url("partners:space"),
        },
    )
