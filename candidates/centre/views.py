"""Pages of the training-centre space, for the members of a training structure.

Every page starts from a scoped queryset (the user's structures' sessions, their applications from
*eligible* onward): anything else is a 404, including for municipal staff, who work in the admin.
Every change goes through a service: sessions and seats through candidates.seats (the session
lock), decisions through candidates.decisions.decide (the admin's own entry point, with the same
forms), outcomes through candidates.services.record_outcome.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from portal import audit
from programmes.models import ProviderMembership, Session

from .. import seats, services
from ..decision_forms import InviteForm, OutcomeForm, RefuseForm
from ..decisions import decide
from ..models import Application, ApplicationEvent, ApplicationMessage, Appointment
from ..services import TransitionAlreadyDone, TransitionError, transitions_for
from ..workflow import VISIBLE_TO_CENTRE_STATUSES, Actor, Status, offer_deadline
from .forms import SessionCreateForm, SessionEditForm

# Actions without details to fill in: each is asked for confirmation first (GET: what will happen,
# who is emailed, what cannot be undone), then done by a POST with the transition's name.
# Invitations and refusals have their own form pages.
ONE_CLICK_ACTIONS = {
    "offer_seat": gettext_lazy("Une place a été proposée au candidat."),
    "waitlist": gettext_lazy("La candidature est en liste d'attente."),
    "enroll": gettext_lazy("Le candidat est inscrit en formation."),
    "mark_no_show": gettext_lazy("Le candidat est déclaré absent à l'entrée en formation."),
}
FORM_ACTIONS = {"invite_to_test": "test", "invite_to_interview": "interview", "refuse": None}

# Applicant orderings: ?tri=<key>. Priority first by default: the order seats are offered in.
SORTS = {
    "priorite": ("-priority_score", "submitted_at", "pk"),
    "envoi": ("submitted_at", "pk"),
    "statut": ("status", "-priority_score", "submitted_at", "pk"),
    "nom": ("candidate__last_name", "candidate__first_name", "pk"),
}
SORT_LABELS = {
    "priorite": gettext_lazy("Priorité"),
    "envoi": gettext_lazy("Date d'envoi"),
    "statut": gettext_lazy("Statut"),
    "nom": gettext_lazy("Nom"),
}


def centre_member_required(view):
    """Signed-in members of a training structure only; anyone else gets a 404 (the space does not
    exist for them)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not ProviderMembership.objects.filter(user=request.user).exists():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _sessions(user):
    return Session.objects.for_provider_member(user).select_related("programme", "site__provider")


def _applications(user):
    return Application.objects.for_provider_member(user).filter(status__in=VISIBLE_TO_CENTRE_STATUSES)


def _application_or_404(request, pk):
    return get_object_or_404(
        _applications(request.user).select_related(
            "candidate__candidate_profile", "session__programme", "session__site__provider"
        ),
        pk=pk,
    )


# --- Sessions -----------------------------------------------------------------------------------


@centre_member_required
def session_list(request):
    sessions = _sessions(request.user).order_by("-starts_on", "name")
    return render(request, "centre/session_list.html", {"sessions": sessions})


@centre_member_required
def session_create(request):
    form = SessionCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            session = seats.propose_session(form.save(commit=False), actor=request.user)
        except seats.PublicationRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _(
                    "La session « %(name)s » est enregistrée comme brouillon. Quand elle est prête, "
                    "soumettez-la : un agent de la Ville la publiera."
                )
                % {"name": session.name},
            )
            return redirect("centre:session_detail", pk=session.pk)
    return render(request, "centre/session_form.html", {"form": form, "creating": True})


@centre_member_required
def session_detail(request, pk):
    session = get_object_or_404(_sessions(request.user), pk=pk)
    sort = request.GET.get("tri") if request.GET.get("tri") in SORTS else "priorite"
    applicants = (
        session.applications.filter(status__in=VISIBLE_TO_CENTRE_STATUSES)
        .with_wish_position()
        .select_related("candidate", "oriented_by")
        .annotate(document_count=Count("documents"))
        .order_by(*SORTS[sort])
    )
    applicants = list(applicants)
    # The waiting list's rank, in the order seats are offered (one query, whatever the sort).
    ranks = {
        pk: rank for rank, pk in enumerate(Application.objects.waiting_list(session.pk).values_list("pk", flat=True), 1)
    }
    for applicant in applicants:
        applicant.waitlist_rank = ranks.get(applicant.pk)
    context = {
        "session": session,
        "applicants": applicants,
        "sort": sort,
        "sorts": SORT_LABELS.items(),
        "changes": session_changes(session),
        "free_seats": session.seats_left if session.waitlist_size else 0,
    }
    return render(request, "centre/session_detail.html", context)


@centre_member_required
@require_POST
def session_submit(request, pk):
    """Submit a draft session for publication by the City (its agents are emailed)."""
    session = get_object_or_404(_sessions(request.user), pk=pk)
    try:
        seats.move_session_publication(session, "submit", actor=request.user)
    except seats.PublicationRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("La session est soumise : un agent de la Ville la vérifiera puis la publiera."))
    return redirect("centre:session_detail", pk=session.pk)


def session_changes(session):
    """The session's history of capacity, dates and application window: who changed what, when,
    newest first."""
    records = list(session.history.select_related("history_user").order_by("history_date", "history_id"))
    changes = []
    for previous, record in zip(records, records[1:], strict=False):
        delta = record.diff_against(previous, included_fields=list(seats.EDITABLE_FIELDS))
        if delta.changes:
            fields = [
                {
                    "label": Session._meta.get_field(change.field).verbose_name,
                    "old": change.old,
                    "new": change.new,
                }
                for change in delta.changes
            ]
            changes.append({"record": record, "fields": fields})
    return changes[::-1]


@centre_member_required
def session_edit(request, pk):
    session = get_object_or_404(_sessions(request.user), pk=pk)
    form = SessionEditForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            seats.update_session(session, form.changes(), actor=request.user)
        except seats.CapacityBelowSeatsTaken as error:
            form.add_error("capacity", error)
        else:
            messages.success(request, _("La session est à jour."))
            return redirect("centre:session_detail", pk=session.pk)
    return render(request, "centre/session_form.html", {"form": form, "session": session, "creating": False})


# --- Applications -------------------------------------------------------------------------------


@centre_member_required
def application_detail(request, pk):
    application = get_object_or_404(
        _applications(request.user)
        .with_wish_position()
        .select_related(
            "candidate__candidate_profile",
            "session__programme",
            "session__site__provider",
            "oriented_by",
            "prepared_by",
        )
        .prefetch_related(
            "documents",
            Prefetch("appointments", queryset=Appointment.objects.select_related("recorded_by")),
            Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor")),
            Prefetch(
                "messages",
                queryset=ApplicationMessage.objects.exclude(visibility=ApplicationMessage.Visibility.INTERNAL)
                .select_related("appointment", "author")
                .order_by("created_at"),
                to_attr="exchanged_messages",
            ),
        ),
        pk=pk,
    )
    audit.record_access(
        request, audit.Action.APPLICATION_VIEWED, application, space="centre", candidate_id=application.candidate_id
    )
    actions = [spec for spec, role in transitions_for(request.user, application) if role == Actor.CENTRE_STAFF]
    context = {
        "application": application,
        "profile": getattr(application.candidate, "candidate_profile", None) if application.candidate else None,
        "one_click_actions": [spec for spec in actions if spec.name in ONE_CLICK_ACTIONS],
        "form_actions": [spec for spec in actions if spec.name in FORM_ACTIONS],
        "seats": seats.Availability.of(application.session),
        "waitlist_rank": (
            Application.objects.waitlist_rank(application) if application.status == Status.WAITLISTED else None
        ),
        "now": timezone.now(),
    }
    return render(request, "centre/application_detail.html", context)


def _decide(request, application, name, success, **details):
    """Take the decision ``name`` (as the admin does, through decide()) and say how it went: the
    workflow's own message when it is already done or not possible, never an error page."""
    try:
        decide(application, name, actor=request.user, actor_role=Actor.CENTRE_STAFF, **details)
    except TransitionAlreadyDone as error:
        messages.info(request, str(error))
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("centre:application_detail", pk=application.pk)


@require_http_methods(["GET", "POST"])
@centre_member_required
def application_action(request, pk):
    """GET: the confirmation page of a decision (what it does, who is told, what cannot be
    undone — GOV.UK's « check before an irreversible action »); POST: the decision."""
    application = _application_or_404(request, pk)
    action = request.POST.get("action") if request.method == "POST" else request.GET.get("action")
    if action not in ONE_CLICK_ACTIONS:
        messages.error(request, _("Action inconnue."))
        return redirect("centre:application_detail", pk=application.pk)
    if request.method == "POST":
        return _decide(request, application, action, ONE_CLICK_ACTIONS[action])
    allowed = {
        spec.name: spec for spec, role in transitions_for(request.user, application) if role == Actor.CENTRE_STAFF
    }
    if action not in allowed:
        messages.info(request, _("Cette décision n'est plus possible pour cette candidature."))
        return redirect("centre:application_detail", pk=application.pk)
    session = application.session
    context = {
        "application": application,
        "spec": allowed[action],
        "action": action,
        "seats": seats.Availability.of(session),
        "offer_deadline": offer_deadline(session.programme, now=timezone.now()),
        "waitlist_rank": Application.objects.waitlist_rank(application) if action == "waitlist" else None,
        "can_offer": "offer_seat" in allowed,
    }
    return render(request, "centre/application_confirm.html", context)


@centre_member_required
def application_invite(request, pk):
    application = _application_or_404(request, pk)
    initial = {"kind": request.GET.get("type", "test"), **InviteForm.initial_for(application)}
    form = InviteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        success = _("La convocation est envoyée au candidat.")
        return _decide(request, application, form.decision_name(), success, **form.service_kwargs())
    return render(request, "centre/application_form.html", {"form": form, "application": application, "mode": "invite"})


@centre_member_required
def application_refuse(request, pk):
    application = _application_or_404(request, pk)
    form = RefuseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        success = _("La candidature n'est pas retenue ; le candidat en est informé.")
        return _decide(request, application, "refuse", success, **form.service_kwargs())
    return render(request, "centre/application_form.html", {"form": form, "application": application, "mode": "refuse"})


@centre_member_required
def appointment_outcome(request, pk):
    appointment = get_object_or_404(
        Appointment.objects.filter(application__in=_applications(request.user)).select_related(
            "application__candidate", "application__session"
        ),
        pk=pk,
    )
    form = OutcomeForm(request.POST or None, instance=appointment)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, _("Rien n'a changé : le résultat n'est pas modifié."))
            return redirect("centre:application_detail", pk=appointment.application_id)
        try:
            services.record_outcome(appointment, actor=request.user, **form.service_kwargs())
        except services.OutcomeNotAllowed as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Le résultat est enregistré."))
            return redirect("centre:application_detail", pk=appointment.application_id)
    return render(request, "centre/outcome_form.html", {"form": form, "appointment": appointment})
