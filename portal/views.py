from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _

from programmes.models import Programme, Session

from .forms import PreferencesForm


def home(request):
    """The open programmes, each with its next sessions still taking applications."""
    today = timezone.localdate()
    upcoming = (
        Session.objects.published()
        .filter(applications_close_on__gte=today)
        .select_related("site", "site__provider")
        .with_seats()
        .order_by("starts_on")
    )
    programmes = (
        Programme.objects.published()
        .filter(sessions__in=upcoming)
        .distinct()
        .prefetch_related(Prefetch("sessions", queryset=upcoming, to_attr="upcoming_sessions"))
        .order_by("name")
    )
    return render(request, "home.html", {"programmes": programmes, "today": today})


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
