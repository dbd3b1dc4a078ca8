"""The trainee's questionnaire, opened from the emailed link (on leaving, six months later): no
login, the signed link is the credential for that one form; a forged or expired link is a 404."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .. import follow_up
from ..follow_up_forms import ExitSurveyForm, SixMonthSurveyForm


@require_http_methods(["GET", "HEAD", "POST"])
def follow_up_survey(request, token):
    found = follow_up.follow_up_for_token(token)
    if found is None:
        raise Http404
    record, stage = found
    form_class = ExitSurveyForm if stage == follow_up.EXIT else SixMonthSurveyForm
    context = {"follow_up": record, "session": record.application.session, "stage": stage}
    if follow_up.answered(record, stage):
        return render(request, "candidates/follow_up_survey.html", {**context, "done": True})
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        if stage == follow_up.EXIT:
            follow_up.record_exit(record, source=follow_up.Source.TRAINEE, **answers)
        else:
            follow_up.record_six_months(record, source=follow_up.Source.TRAINEE, **answers)
        return render(request, "candidates/follow_up_survey.html", {**context, "done": True, "thanks": True})
    return render(request, "candidates/follow_up_survey.html", {**context, "form": form})
