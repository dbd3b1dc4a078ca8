from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _

from .forms import PreferencesForm


@login_required
def preferences(request):
    """The logged-in user's email preferences (language, reminders, digests)."""
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Vos préférences sont enregistrées."))
        return redirect("preferences")
    return render(request, "portal/preferences.html", {"form": form})


ROBOTS_DISALLOWED = (
    "/admin/",
    "/comptes/",
    "/compte/",
    "/mon-profil/",
    "/mes-candidatures/",
    "/mes-donnees/",
    "/candidatures/",
    "/documents/",
    "/centre/",
    "/espace-partenaire/",
    "/opportunites/",
    "/i18n/",
)


def robots_txt(request):
    """Search engines may index the public catalogue, never the personal or staff spaces."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOWED), ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def favicon(request):
    # Browsers and crawlers ask for /favicon.ico whatever the page says.
    return HttpResponsePermanentRedirect(static("favicon.svg"))
