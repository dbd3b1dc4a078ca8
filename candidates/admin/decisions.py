"""Staff decisions in the admin: the buttons of one application and the bulk actions of the
changelist. Both ask what the service needs on an intermediate page (the forms shared with the
training centre: candidates.decision_forms), then call candidates.decisions.decide (and through it
invite, refuse, transition or the seat service's offer_seat)."""

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import services
from ..decision_forms import InviteForm, decision_form
from ..decisions import decide
from ..workflow import TRANSITIONS_BY_NAME, RefusalReason, active_refusal_reasons

# The decisions offered as bulk actions, in menu order.
BULK_DECISIONS = ("invite_to_test", "invite_to_interview", "offer_seat", "waitlist", "refuse")


def buttons_for(user, application):
    """The decisions this user may take on this application now (the change page's buttons)."""
    return [
        {"name": spec.name, "label": spec.label, "role": role}
        for spec, role in services.transitions_for(user, application)
    ]


def decision_view(model_admin, request, object_id, name):
    """One application, one decision: GET asks the details, POST performs it through the service."""
    application = model_admin.get_object(request, object_id)
    if application is None or name not in TRANSITIONS_BY_NAME:
        raise Http404
    if not model_admin.has_change_permission(request, application):
        raise PermissionDenied
    spec = TRANSITIONS_BY_NAME[name]
    change_url = reverse("admin:candidates_application_change", args=[application.pk])
    form = decision_form(name, request.POST or None, initial=_initial_for(name, application))
    if request.method == "POST" and form.is_valid():
        try:
            decide(application, name, actor=request.user, **form.service_kwargs())
        except services.TransitionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("« %(action)s » : c'est fait.") % {"action": spec.label})
            return HttpResponseRedirect(change_url)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": spec.label,
        "spec": spec,
        "form": form,
        "applications": [application],
        "change_url": change_url,
        "prepared_messages": _prepared_messages(name),
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/candidates/application/decision.html", context)


def _prepared_messages(name):
    if name != "refuse":
        return []
    return [
        (RefusalReason(value).label, RefusalReason(value).prepared_message)
        for value, _label in active_refusal_reasons()
        if RefusalReason(value).prepared_message
    ]


def _initial_for(name, application):
    return InviteForm.initial_for(application) if name in services.INVITE_KINDS else {}


def bulk_action(name):
    """A changelist action for the decision ``name``, with its confirmation page."""
    spec = TRANSITIONS_BY_NAME[name]

    def action(model_admin, request, queryset):
        applications = list(queryset.select_related("candidate", "session__site"))
        sessions = {application.session_id for application in applications}
        if name in services.INVITE_KINDS and len(sessions) > 1:
            # A convocation is one date and one place: sent to candidates of several sessions (other
            # centres, other towns) it would send some of them to the wrong place. Refused before
            # anything is asked, with the way to do it right.
            messages.error(
                request,
                _(
                    "Les candidatures choisies concernent %(count)s sessions. Une convocation a une seule "
                    "date et un seul lieu : choisissez les candidatures d'une même session (filtre « session »)."
                )
                % {"count": len(sessions)},
            )
            return None
        initial = _initial_for(name, applications[0]) if applications else {}
        form = decision_form(name, request.POST if "apply" in request.POST else None, initial=initial)
        if "apply" in request.POST and form.is_valid():
            _apply(request, queryset, name, form.service_kwargs())
            return None  # back to the changelist, with its filters
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": ngettext(
                "%(action)s : %(count)s candidature", "%(action)s : %(count)s candidatures", len(applications)
            )
            % {"action": spec.label, "count": len(applications)},
            "spec": spec,
            "form": form,
            "applications": applications,
            "bulk": True,
            "action_name": f"bulk_{name}",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "prepared_messages": _prepared_messages(name),
            "media": model_admin.media + form.media,
        }
        return TemplateResponse(request, "admin/candidates/application/decision.html", context)

    action.__name__ = f"bulk_{name}"
    action.short_description = spec.label
    action.allowed_permissions = ("change",)
    return action


def _apply(request, queryset, name, details):
    done, skipped = 0, []
    for application in queryset.select_related("candidate", "session__site"):
        try:
            decide(application, name, actor=request.user, **details)
        except services.TransitionError as error:
            skipped.append((application.candidate or _("candidat anonymisé"), application.session.name, str(error)))
        else:
            done += 1
    label = TRANSITIONS_BY_NAME[name].label
    if done:
        messages.success(
            request,
            ngettext(
                "« %(action)s » : %(count)d candidature traitée.",
                "« %(action)s » : %(count)d candidatures traitées.",
                done,
            )
            % {"action": label, "count": done},
        )
    if skipped:
        # One line per application (a list, not a run-on sentence): who, which session, why.
        heading = ngettext(
            "%(count)d candidature laissée de côté :",
            "%(count)d candidatures laissées de côté :",
            len(skipped),
        ) % {"count": len(skipped)}
        items = format_html_join("", "<li>{} ({}) : {}</li>", skipped)
        messages.warning(request, format_html('{}<ul class="skipped-list">{}</ul>', heading, items))
