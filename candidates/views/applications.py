"""My applications (list, detail, the candidate's actions) and the one document download view."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import audit
from portal.public_cache import personal_fragment

from .. import presentation, services, wishes
from ..access import candidate_required
from ..criteria import candidate_reasons
from ..documents import download_name, downloadable_by
from ..forms import MessageToCentreForm
from ..models import MY_APPLICATIONS, Application, ApplicationMessage, Appointment
from ..services import TransitionError, transition
from ..workflow import Actor, Status, available_transitions

# The statuses in which a test or interview may still be ahead of the candidate.
SELECTION_STATUSES = (Status.ELIGIBLE, Status.INVITED_TO_TEST, Status.INVITED_TO_INTERVIEW, Status.WAITLISTED)


@candidate_required
def application_list(request):
    """« Mes candidatures »: the active wishes first, programme by programme in the person's order
    of preference (with the buttons that reorder them until the deadline), then the others.

    The list is rendered once per change of the person's applications (or of the catalogue) and
    then served from the cache without any query (their version: candidates.models.MY_APPLICATIONS):
    on opening day people come back to it again and again."""
    # The queryset is built only when the list is rendered: on a repeat view that costs more than
    # the rest of the view.
    content = personal_fragment(
        request,
        MY_APPLICATIONS,
        render=lambda: render_to_string(
            "candidates/includes/application_list_content.html",
            application_list_context(Application.objects.of_candidate(request.user)),
            request=request,
        ),
    )
    return render(request, "candidates/application_list.html", {"content": content})


def application_list_context(mine):
    """``mine``: every application of one person (their wishes' positions are counted from it)."""
    applications = list(
        mine.select_related("session__programme", "session__site__provider").order_by("-updated_at", "-pk")
    )
    wishes.set_positions(applications)
    rankings = {}
    others = []
    for application in applications:
        row = {"application": application, "next_step": presentation.what_comes_next(application)}
        if application.wish_position is None:
            others.append(row)
            continue
        programme = application.session.programme
        if programme.pk not in rankings:
            rankings[programme.pk] = {
                "programme": programme,
                "closes_on": wishes.ranking_closes_on(programme),
                "is_open": wishes.ranking_is_open(programme),
                "rows": [],
            }
        rankings[programme.pk]["rows"].append(row)
    for ranking in rankings.values():
        ranking["rows"].sort(key=lambda row: row["application"].wish_position)
    return {
        "rankings": sorted(rankings.values(), key=lambda r: r["programme"].name),
        "rows": others,
        "has_any": bool(applications),
    }


@require_POST
@candidate_required
def move_wish(request, reference, direction):
    """Move one wish up or down in the person's order (a button per wish: keyboard and phone, no
    script). Refusals (after the deadline, not an active wish) come back as a message."""
    application = get_object_or_404(
        Application.objects.of_candidate(request.user).select_related("session__programme"), reference=reference
    )
    try:
        wishes.move_wish(application, direction, actor=request.user)
    except wishes.RankingRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Ordre enregistré : « %(session)s » est maintenant votre vœu n° %(rank)s.")
            % {"session": application.session.name, "rank": application.wish_rank},
        )
    return redirect(f"{reverse('candidates:application_list')}#wish-{application.reference}")


def _candidate_actions(application):
    names = [t.name for t in available_transitions(application.status, Actor.CANDIDATE) if t.name != "submit"]
    if application.status == Status.SEAT_OFFERED and not application.offer_is_open:
        names = [name for name in names if name not in ANSWERS]
    if "hold_offer" in names and not _has_higher_wish(application):
        names.remove("hold_offer")
    return [{"name": name, **presentation.CANDIDATE_ACTIONS[name]} for name in names]


# The candidate's answers to an offer (the deadline applies to them).
ANSWERS = ("accept_offer", "hold_offer", "decline_offer")


def _has_higher_wish(application):
    if application.wish_rank is None:
        return False
    return (
        Application.objects.ranking_of(application.candidate_id, application.session.programme_id)
        .filter(wish_rank__lt=application.wish_rank)
        .exists()
    )


@candidate_required
def application_detail(request, reference):
    application = get_object_or_404(
        Application.objects.of_candidate(request.user)
        .select_related("session__programme", "session__site__provider", "current_screening")
        .prefetch_related(
            "events",
            "documents",
            Prefetch("appointments", queryset=Appointment.objects.order_by("starts_at")),
            Prefetch(
                "messages",
                queryset=ApplicationMessage.objects.exclude(visibility=ApplicationMessage.Visibility.INTERNAL),
                to_attr="candidate_messages",
            ),
        ),
        reference=reference,
    )
    now = timezone.now()
    timeline = [{"event": event, "sentence": presentation.event_sentence(event)} for event in application.events.all()]
    appointments = list(application.appointments.all())
    return render(
        request,
        "candidates/application_detail.html",
        {
            "application": application,
            "session": application.session,
            "timeline": timeline,
            "next_step": presentation.what_comes_next(application),
            "screening_reasons": _screening_reasons(application),
            "upcoming_appointments": [a for a in appointments if _still_ahead(a, application, now)],
            "can_write_to_centre": _can_write(application),
            "past_appointments": [a for a in appointments if not _still_ahead(a, application, now)],
            "actions": _candidate_actions(application),
        },
    )


def _screening_reasons(application):
    """Why the application is not eligible or still to be checked, as the screening stored it."""
    if application.status not in (Status.NOT_ELIGIBLE, Status.TO_BE_CHECKED):
        return []
    return candidate_reasons(application.current_screening, get_language())


def _still_ahead(appointment, application, now):
    """A rendez-vous the candidate must still go to: in the future, not graded yet, while the
    selection is going on (not once a seat is accepted, nor after a refusal or a withdrawal)."""
    return (
        appointment.starts_at >= now
        and appointment.outcome == Appointment.Outcome.PENDING
        and application.status in SELECTION_STATUSES
    )


def _can_write(application):
    return application.status != Status.DRAFT


@candidate_required
def write_to_centre(request, reference):
    """« Écrire au centre de formation »: say you cannot come, or ask a question (kept on the
    application, emailed to the centre's team: services.write_to_centre)."""
    application = get_object_or_404(
        Application.objects.of_candidate(request.user).select_related("session__programme", "session__site__provider"),
        reference=reference,
    )
    if not _can_write(application):
        raise Http404
    initial = {"topic": request.GET.get("sujet", ""), "appointment": request.GET.get("rendez-vous") or None}
    form = MessageToCentreForm(request.POST or None, application=application, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.write_to_centre(
            application,
            author=request.user,
            topic=form.cleaned_data["topic"],
            body=form.cleaned_data["body"],
            appointment=form.cleaned_data.get("appointment"),
        )
        messages.success(request, _("Votre message est envoyé. Le centre vous répondra par e-mail ou par téléphone."))
        return redirect("candidates:application_detail", reference=application.reference)
    return render(
        request,
        "candidates/write_to_centre.html",
        {"application": application, "session": application.session, "form": form},
    )


@candidate_required
def application_action(request, reference, action):
    """Confirm (GET) then do (POST) one of the candidate's transitions: withdraw, accept or decline."""
    if action not in presentation.CANDIDATE_ACTIONS:
        raise Http404
    application = get_object_or_404(
        Application.objects.of_candidate(request.user).select_related("session__programme", "session__site__provider"),
        reference=reference,
    )
    spec = presentation.CANDIDATE_ACTIONS[action]
    detail = redirect("candidates:application_detail", reference=application.reference)
    if request.method == "POST":
        answering_offer = action in ANSWERS and application.status == Status.SEAT_OFFERED
        if answering_offer and not application.offer_is_open:
            messages.error(request, _("Le délai pour répondre à cette proposition est dépassé."))
            return detail
        try:
            transition(application, action, actor=request.user, actor_role=Actor.CANDIDATE)
        except TransitionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, spec["done"])
        return detail
    if action not in [a["name"] for a in _candidate_actions(application)]:
        messages.error(request, _("Cette action n'est plus possible pour cette candidature."))
        return detail
    return render(
        request,
        "candidates/application_action.html",
        {"application": application, "session": application.session, "action": {"name": action, **spec}},
    )


@login_required
def document_download(request, pk):
    """The one way to open an uploaded document; everyone else's links point here. Others: 404."""
    document = get_object_or_404(downloadable_by(request.user).select_related("application"), pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    candidate_id = document.application.candidate_id
    if candidate_id != request.user.pk:
        space = "admin" if request.user.is_municipal_staff else "centre"
        audit.record_access(request, audit.Action.DOCUMENT_DOWNLOADED, document, space=space, candidate_id=candidate_id)
    # The detected type, a name the portal made (never the candidate's), always as an attachment;
    # nosniff and no-store come from the middleware (portal.security).
    return FileResponse(
        handle, as_attachment=True, filename=download_name(document), content_type=document.content_type
    )
