"""The multi-step application: profile → motivation → documents → review → send.

Each step saves the draft (``Application.draft_step``), so a candidate who leaves on a phone finds
their application where they left it."""

from django.conf import settings
from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programmes.models import Session

from .. import applying, presentation
from ..access import candidate_required
from ..forms import DocumentForm, MotivationForm, ProfileForm
from ..models import Application, ApplicationDocument
from ..services import TransitionAlreadyDone
from ..workflow import Status


def _step_url(application, step):
    return redirect("candidates:apply_step", reference=application.reference, step=step)


@candidate_required
def apply(request, pk):
    """Start (or resume) an application to a session. A second try shows the existing one."""
    session = get_object_or_404(Session.objects.published().select_related("programme", "site__provider"), pk=pk)
    if request.method == "POST":
        try:
            # An existing application (draft or sent) comes back as it is, never duplicated.
            application, _created = applying.start_application(request.user, session)
        except applying.ApplicationRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(session.get_absolute_url())
        return _resume(request, application)
    existing, active = applying.standing(request.user, session)
    if existing is not None:
        return _resume(request, existing)
    refusal = None
    try:
        applying.check_window(session)
        applying.check_active_limit(request.user, session, count=active)
    except applying.ApplicationRefused as error:
        refusal = str(error)
    return render(
        request,
        "candidates/apply/start.html",
        {
            "session": session,
            "refusal": refusal,
            "is_full": session.is_full,
            "steps": _progress(None),
            "unmet_conditions": applying.profile_does_not_meet(request.candidate_profile, session),
        },
    )


def _resume(request, application):
    """A draft resumes at its step; a sent application is shown."""
    if application.status == Status.DRAFT:
        return _step_url(application, application.draft_step or applying.STEPS[0])
    messages.info(request, _("Vous avez déjà candidaté à cette session : voici votre candidature."))
    return redirect("candidates:application_detail", reference=application.reference)


def _progress(current, reached=None):
    reached_index = applying.STEPS.index(reached) if reached in applying.STEPS else -1
    return [
        {
            "name": step,
            "label": applying.STEP_LABELS[step],
            "number": number,
            "is_current": step == current,
            "is_done": number - 1 < reached_index and step != current,
            "is_reachable": number - 1 <= reached_index,
        }
        for number, step in enumerate(applying.STEPS, start=1)
    ]


def _own_application(request, reference, *, related=("session",)):
    """The candidate's own application, with ``related`` (its session: the steps show its name);
    anyone else's is a 404."""
    application = get_object_or_404(
        Application.objects.of_candidate(request.user).select_related(*related), reference=reference
    )
    application.candidate = request.user  # the same row, already loaded (with its profile)
    return application


@candidate_required
def apply_step(request, reference, step):
    if step not in applying.STEPS:
        raise Http404
    # The review names the session's structure and town; the other steps only its name.
    application = _own_application(
        request, reference, related=("session__site__provider",) if step == "review" else ("session",)
    )
    if application.status != Status.DRAFT:
        messages.info(request, _("Votre candidature a déjà été envoyée."))
        return redirect("candidates:application_detail", reference=application.reference)
    reached = application.draft_step if application.draft_step in applying.STEPS else applying.STEPS[0]
    if applying.STEPS.index(step) > applying.STEPS.index(reached):
        return _step_url(application, reached)
    handler = {
        "profile": _profile_step,
        "motivation": _motivation_step,
        "documents": _documents_step,
        "review": _review_step,
    }[step]
    context = {
        "returns_to_review": request.GET.get("retour") == "verifier" and reached == "review",
        "application": application,
        "session": application.session,
        "step": step,
        "step_number": applying.STEPS.index(step) + 1,
        "step_count": len(applying.STEPS),
        "step_label": applying.STEP_LABELS[step],
        "steps": _progress(step, reached),
    }
    return handler(request, application, context)


def _after(context, next_step):
    """Where a saved step leads: the next one, or straight back to the review when the candidate
    came from it to change one thing (« Modifier », « il manque… »)."""
    return "review" if context["returns_to_review"] else next_step


def _profile_step(request, application, context):
    """A complete profile is shown to be checked (« Vérifier vos informations »), as a candidate
    applying again, on a phone, would rather confirm ten answers than scroll through the form that
    holds them: one button confirms, « Modifier » opens the form. The form comes straight away
    when an answer is missing or when the candidate came from the review to change it."""
    user, profile = request.user, request.candidate_profile
    confirming = request.method == "POST" and request.POST.get("action") == "confirm"
    if applying.profile_is_complete(user, profile) and not context["returns_to_review"]:
        if confirming:
            applying.save_step(application, "profile")
            return _step_url(application, _after(context, "motivation"))
        if request.method == "GET" and "modifier" not in request.GET:
            return render(
                request,
                "candidates/apply/profile_check.html",
                {**context, "profile_rows": presentation.profile_summary(user, profile)},
            )
    # A confirmation that comes too late (an answer was removed meanwhile) opens the form, unfilled.
    form = ProfileForm(None if confirming else request.POST or None, instance=profile, user=user)
    if form.is_bound and form.is_valid():
        form.save()
        applying.save_step(application, "profile")
        return _step_url(application, _after(context, "motivation"))
    return render(request, "candidates/apply/profile.html", {**context, "form": form})


def _motivation_step(request, application, context):
    form = MotivationForm(request.POST or None, initial={"motivation": application.motivation})
    if request.method == "POST" and form.is_valid():
        applying.save_step(application, "motivation", motivation=form.cleaned_data["motivation"])
        return _step_url(application, _after(context, "documents"))
    return render(request, "candidates/apply/motivation.html", {**context, "form": form})


def _documents_step(request, application, context):
    documents, reusable = applying.candidate_documents(application)
    form = DocumentForm()
    if request.method == "POST" and request.POST.get("action") == "reuse":
        offered = {str(document.pk): document for document in reusable}
        source = offered.get(request.POST.get("document", ""))
        if source is None:
            raise Http404  # not one of this candidate's earlier documents
        document = applying.reuse_document(application, source)
        messages.success(request, _("Document ajouté : %(name)s.") % {"name": document.original_name})
        return _step_url(application, "documents")
    if request.method == "POST":
        wants_to_continue = request.POST.get("action") == "continue"
        if request.FILES or not wants_to_continue:
            form = DocumentForm(request.POST, request.FILES)
            if form.is_valid():
                document = applying.add_document(
                    application,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    clean=form.clean_document,
                )
                messages.success(
                    request,
                    _("Document ajouté : %(name)s.") % {"name": document.original_name},
                )
                if not wants_to_continue:
                    return _step_url(application, "documents")
                documents.append(document)
            else:
                wants_to_continue = False
        if wants_to_continue:
            if any(document.kind == ApplicationDocument.Kind.CV for document in documents):
                applying.save_step(application, "documents")
                return _step_url(application, "review")
            form = DocumentForm({"kind": ApplicationDocument.Kind.CV}, {})
            form.is_valid()
            form.errors.pop("file", None)
            form.add_error("file", _("Ajoutez votre CV pour continuer (PDF, JPEG ou PNG)."))
    return render(
        request,
        "candidates/apply/documents.html",
        {
            **context,
            "form": form,
            "documents": documents,
            "reusable": reusable,
            "max_size": settings.MAX_UPLOAD_SIZE,
        },
    )


def _review_step(request, application, context):
    if request.method == "POST":
        try:
            applying.submit_application(application, candidate=request.user)
        except TransitionAlreadyDone:
            messages.info(request, _("Votre candidature a déjà été envoyée."))
            return redirect("candidates:application_detail", reference=application.reference)
        except applying.ApplicationRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                _("Votre candidature est envoyée. Vous allez recevoir un e-mail de confirmation."),
            )
            return redirect("candidates:application_detail", reference=application.reference)
    prefetch_related_objects([application], "documents")  # one query for the list and the check
    return render(
        request,
        "candidates/apply/review.html",
        {
            **context,
            "profile": request.candidate_profile,
            "profile_rows": presentation.profile_summary(request.user, request.candidate_profile),
            "documents": application.documents.all(),
            "missing": applying.missing_parts(application),
            "is_full": application.session.is_full,
        },
    )


@candidate_required
@require_POST
def delete_document(request, reference, pk):
    application = _own_application(request, reference)
    if application.status != Status.DRAFT:
        raise Http404
    document = get_object_or_404(application.documents, pk=pk)
    applying.delete_document(document)
    messages.success(request, _("Document supprimé."))
    return _step_url(application, "documents")
