"""The candidate's own space: profile, privacy page, personal data (export, deletion), and the
« Facile à lire » guide to the criteria and statuses."""

from django.contrib import messages
from django.contrib.auth import logout
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import easy_read
from portal.models import InformationPage
from portal.views import information_page
from programmes import eligibility

from .. import personal_data, presentation
from ..access import candidate_required
from ..forms import DeleteAccountForm, ProfileForm
from ..models import Application, ApplicationMessage
from ..workflow import Status


@candidate_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.candidate_profile, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Votre profil est enregistré."))
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            return redirect(next_url)
        return redirect("candidates:profile")
    return render(request, "candidates/profile.html", {"form": form, "next": request.GET.get("next", "")})


def privacy(request):
    """The privacy notice: an information page staff keep up to date (portal.models.InformationPage),
    its retention periods read from the settings the retention job reads (``{documents_months}``,
    ``{anonymise_months}`` in the text): the notice says what the job does."""
    periods = personal_data.RetentionPeriods.from_settings()
    values = {"documents_months": periods.documents_months, "anonymise_months": periods.anonymise_months}
    return information_page(request, InformationPage.Slug.PRIVACY, values=values)


@candidate_required
def my_data(request):
    form = DeleteAccountForm(user=request.user)
    return render(request, "candidates/my_data.html", {"form": form})


@candidate_required
def my_data_readable(request):
    """The same data as the JSON export, as a page to read, print or save as PDF."""
    applications = (
        Application.objects.of_candidate(request.user)
        .select_related("session__programme", "session__site__provider")
        .prefetch_related(
            "events",
            "documents",
            "appointments",
            Prefetch(
                "messages",
                queryset=ApplicationMessage.objects.exclude(visibility=ApplicationMessage.Visibility.INTERNAL),
                to_attr="visible_messages",
            ),
        )
        .order_by("created_at")
    )
    return render(
        request,
        "candidates/my_data_readable.html",
        {
            "profile_rows": presentation.profile_summary(request.user, request.candidate_profile),
            "profile": request.candidate_profile,
            "applications": [
                {
                    "application": application,
                    "status": presentation.candidate_status(application),
                    "timeline": [presentation.event_sentence(event) for event in application.events.all()],
                }
                for application in applications
            ],
        },
    )


@candidate_required
def export_my_data(request):
    response = JsonResponse(
        personal_data.export_data(request.user), encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2}
    )
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-portail.json"'
    return response


@candidate_required
@require_POST
def delete_my_account(request):
    form = DeleteAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "candidates/my_data.html", {"form": form}, status=400)
    personal_data.delete_account(request.user)
    logout(request)
    messages.success(request, _("Votre compte est supprimé, ainsi que vos documents. Au revoir !"))
    return redirect("home")


def easy_read_guide(request):
    """« Facile à lire et à comprendre »: what the criteria and the statuses mean, always in FALC,
    for everyone (the link on every page switches the rest of the site)."""
    with easy_read.override(True):
        criteria = [
            {"code": code, "title": _(title), "text": _(text)}
            for code, (title, text) in eligibility.EASY_READ_CRITERIA.items()
        ]
        statuses = [
            {
                "code": status.value,
                "label": presentation.EASY_READ_STATUS_LABELS[status],
                "next": presentation.EASY_READ_NEXT_STEPS[status],
            }
            for status in Status
            if status in presentation.EASY_READ_STATUS_LABELS
        ]
        return render(request, "candidates/easy_read.html", {"criteria": criteria, "statuses": statuses})
