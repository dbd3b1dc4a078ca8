"""The centre's follow-up of its trainees: per session, who left, how, and where they are six
months later; one page per trainee to record it. Scoped like the rest of the space: another
structure's sessions and trainees are a 404. Writes go through candidates.follow_up."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from .. import follow_up
from ..follow_up_forms import CentreFollowUpForm
from ..models import TraineeFollowUp
from .views import _sessions, centre_member_required


def _follow_ups(user):
    return TraineeFollowUp.objects.filter(application__session__site__provider__memberships__user=user)


@centre_member_required
def session_follow_ups(request, pk):
    session = get_object_or_404(_sessions(request.user), pk=pk)
    follow_ups = (
        _follow_ups(request.user)
        .filter(application__session=session)
        .select_related("application__candidate")
        .order_by("application__candidate__last_name", "application__candidate__first_name", "pk")
    )
    return render(request, "centre/follow_up_list.html", {"session": session, "follow_ups": follow_ups})


@centre_member_required
def follow_up_edit(request, pk):
    record = get_object_or_404(
        _follow_ups(request.user).select_related("application__candidate", "application__session__site"), pk=pk
    )
    form = CentreFollowUpForm(request.POST or None, follow_up=record)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["completed"] is not None:
            follow_up.record_exit(
                record,
                completed=data["completed"],
                situation=data["exit_situation"],
                qualification=data["qualification"],
                left_on=data["left_on"],
                entry_situation=data["entry_situation"],
                source=follow_up.Source.CENTRE,
                actor=request.user,
            )
        elif data["entry_situation"] != record.entry_situation:
            follow_up.record_entry(record, entry_situation=data["entry_situation"], actor=request.user)
        if data["six_month_situation"]:
            follow_up.record_six_months(
                record, situation=data["six_month_situation"], source=follow_up.Source.CENTRE, actor=request.user
            )
        messages.success(request, _("Le suivi du stagiaire est enregistré."))
        return redirect("centre:session_follow_ups", pk=record.application.session_id)
    return render(request, "centre/follow_up_form.html", {"follow_up": record, "form": form})
