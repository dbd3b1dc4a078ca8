from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
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
