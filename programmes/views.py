from django.shortcuts import get_object_or_404, render

from .models import Programme, Session


def programme_detail(request, slug):
    programme = get_object_or_404(
        Programme.objects.published().prefetch_related("labels", "fundings__funder", "audiences"), slug=slug
    )
    sessions = programme.sessions.published().select_related("site__provider").with_seats().order_by("starts_on")
    return render(request, "programmes/programme_detail.html", {"programme": programme, "sessions": sessions})


def session_detail(request, pk):
    session = get_object_or_404(
        Session.objects.published().select_related("programme", "site__provider").with_seats(), pk=pk
    )
    return render(request, "programmes/session_detail.html", {"session": session})
