"""The candidates' side of accounts: the sign-up confirmation email names the session the person
was applying to, and the login page says where it leads back to."""

from django.urls import Resolver404, resolve

from portal.adapters import AccountAdapter
from programmes.models import Session


def session_being_applied_to(path):
    """The session whose « Candidater » page ``path`` is (the sign-up started there), else None."""
    if not path:
        return None
    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return None
    if match.view_name != "candidates:apply":
        return None
    return Session.objects.published().select_related("site__provider").filter(pk=match.kwargs["pk"]).first()


class CandidateAccountAdapter(AccountAdapter):
    def next_page_context(self, next_url):
        return {"session": session_being_applied_to(next_url)}
