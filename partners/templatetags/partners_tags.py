from django import template

from candidates.models import Application
from partners.models import ADMITTED_STATUSES, PartnerMembership

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
