"""Partners' pieces on pages that other apps own: the menu entries, a session's commitments (the
catalogue's session page), the programme dashboard's figures (the admin). Templates load them, so
the apps below partners never import it."""

from django import template

from candidates.models import Application

from ..models import ADMITTED_STATUSES, Commitment, PartnerMembership
from ..services import commitment_figures

register = template.Library()


@register.inclusion_tag("partners/includes/nav_items.html", takes_context=True)
def partner_nav_items(context):
    """Menu entries for partner companies' members (their space) and admitted trainees (the
    opportunities offered to them)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"is_partner": False, "is_trainee": False}
    return {
        "is_partner": PartnerMembership.objects.filter(user=user).exists(),
        "is_trainee": Application.objects.filter(candidate=user, status__in=ADMITTED_STATUSES).exists(),
    }


@register.inclusion_tag("partners/includes/session_commitments.html")
def session_commitments(session):
    """The partner companies' commitments on a session, for its public page. A tag, so that the
    catalogue (programmes) shows them without importing partners: partners sits above it."""
    commitments = Commitment.objects.filter(session=session).select_related("signature__company").order_by("kind")
    return {"commitments": commitments}


@register.inclusion_tag("admin/partners/dashboard_partners.html")
def programme_commitment_figures(programme=None):
    """The partners' promised and delivered figures on the programme dashboard (candidates.admin),
    for one programme (its id) or all."""
    return {"partner_figures": commitment_figures(programme=programme)}
