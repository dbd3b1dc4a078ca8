from django.db.models import Prefetch
from django.shortcuts import render
from django.utils import timezone

from programmes.models import Programme, Session


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
