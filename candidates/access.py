"""Who may see what on the candidates' pages. Every view starts from these; anything else is a 404."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def candidate_required(view):
    """Logged in and a candidate (a user with a candidate profile). Staff accounts without a profile
    get a 404: these pages hold a candidate's own data and have nothing to show them."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        profile = getattr(request.user, "candidate_profile", None)
        if profile is None:
            raise Http404
        request.candidate_profile = profile
        return view(request, *args, **kwargs)

    return wrapper
