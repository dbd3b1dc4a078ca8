from django import template

from .. import presentation
from ..accounts import session_being_applied_to

register = template.Library()


@register.simple_tag
def session_applied_to(next_url):
    """``{% session_applied_to redirect_field_value as session %}``: the session a sign-up or a
    login leads back to, if it started from its « Candidater » page."""
    return session_being_applied_to(next_url)


@register.filter
def candidate_status(application):
    """The application's status in the words of the candidate's own pages."""
    return presentation.candidate_status(application)
