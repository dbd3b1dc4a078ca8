"""The public catalogue: the home page, programmes, sessions (filtered, searched, paginated) and a
session's page."""

from functools import partial

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal import easy_read, public_cache

from . import eligibility
from .departements import departement_label
from .filters import SessionFilter
from .forms import EligibilityCheckForm, remember_check_answers
from .models import EligibilityRuleSet, Programme, QualificationLevel, Session

SESSIONS_PER_PAGE = 20


@public_cache.public_page
def home(request):
    """The open programmes, each with its next sessions still taking applications. The same for
    every visitor: logged-in visitors get it from the cache too, inside their own page."""
    content = public_cache.fragment(request, "home", lambda: home_programmes(request))
    return render(request, "home.html", {"content": content})


def home_programmes(request):
    today = timezone.localdate()
    upcoming = (
        Session.objects.published()
        .filter(applications_close_on__gte=today)
        .select_related("site", "site__provider")
        .order_by("starts_on")
    )
    programmes = list(
        Programme.objects.published()
        .filter(sessions__in=upcoming)
        .distinct()
        .prefetch_related(Prefetch("sessions", queryset=upcoming, to_attr="upcoming_sessions"))
        .order_by("name")
    )
    # The programmes with the most sessions open come first (on the City's portal, its own).
    programmes.sort(key=lambda programme: -len(programme.upcoming_sessions))
    open_sessions_count = sum(len(programme.upcoming_sessions) for programme in programmes)
    return render_to_string(
        "programmes/includes/home_programmes.html",
        {"programmes": programmes, "today": today, "open_sessions_count": open_sessions_count},
        request=request,
    )


def catalogue_sessions():
    """Published sessions that have not started yet, with everything a list row shows (the seats
    are the session's own figures)."""
    return (
        Session.objects.published()
        .filter(starts_on__gte=timezone.localdate())
        .select_related("programme", "site__provider")
        .order_by("starts_on", "name", "pk")
    )


@public_cache.public_page
def catalogue(request):
    # A shared link should read « ?track=web_developer&departement=93 », not carry every empty
    # field of the form: the same page, at its short address.
    if any(value == "" for value in request.GET.values()):
        kept = request.GET.copy()
        for name in [name for name, value in request.GET.items() if value == ""]:
            kept.pop(name)
        return redirect(f"{request.path}?{kept.urlencode()}" if kept else request.path)
    # The filters and results are the same for everyone: logged-in visitors get them from the
    # cache too, inside their own page.
    results = public_cache.fragment(request, "catalogue-results", lambda: catalogue_results(request))
    return render(request, "programmes/catalogue.html", {"results": results})


def catalogue_results(request):
    session_filter = SessionFilter(request.GET or None, queryset=catalogue_sessions(), request=request)
    sessions = session_filter.qs if session_filter.is_bound and session_filter.is_valid() else catalogue_sessions()
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render_to_string(
        "programmes/includes/catalogue_results.html",
        {
            "filter": session_filter,
            "page": page,
            "today": timezone.localdate(),
            "active_filters": active_filters(session_filter),
        },
        request=request,
    )


def active_filters(session_filter):
    """``(label, value)`` of each filter in use, in words (« Métier : Développeur web »)."""
    if not session_filter.is_bound or not session_filter.is_valid():
        return []
    active = []
    for name, value in session_filter.form.cleaned_data.items():
        if value in (None, "", False) or name == "page":
            continue
        field = session_filter.form.fields[name]
        choices = dict(getattr(field, "choices", ()) or ())
        shown = choices.get(value, value) if not isinstance(value, bool) else None
        active.append((field.label, shown))
    return active


@public_cache.public_page
def programme_list(request):
    today = timezone.localdate()
    programmes = Programme.objects.published().annotate(
        upcoming_count=Count(
            "sessions",
            filter=Q(sessions__is_published=True, sessions__starts_on__gte=today),
        )
    )
    return render(request, "programmes/programme_list.html", {"programmes": programmes})


@public_cache.public_page
def programme_detail(request, slug):
    programme = get_object_or_404(
        Programme.objects.published().prefetch_related("labels", "fundings__funder", "audiences"), slug=slug
    )
    sessions = (
        programme.sessions.published()
        .filter(starts_on__gte=timezone.localdate())
        .select_related("site__provider")
        .order_by("starts_on")
    )
    return render(request, "programmes/programme_detail.html", {"programme": programme, "sessions": sessions})


@require_http_methods(["GET", "HEAD", "POST"])
@public_cache.public_page
def session_detail(request, pk):
    """The session page, with the "Am I eligible?" check: a POST (the answers are personal data,
    kept out of URLs and logs) evaluates them with the screening's own rules engine. What is the
    same for every visitor (the session's description, conditions, selection, partners) comes from
    the cache inside a logged-in visitor's page; the rest is theirs (their application, their
    answers)."""
    session = get_object_or_404(Session.objects.published().select_related("programme", "site__provider"), pk=pk)
    context = session_context(request, session)
    rule_set = EligibilityRuleSet.objects.current_for(session)
    rules = eligibility.Rules.from_rule_set(rule_set) if rule_set else eligibility.Rules()
    form = EligibilityCheckForm(
        request.POST if request.method == "POST" else None, rules=rules, initial=_profile_answers(request)
    )
    result = None
    # A candidate whose profile answers the questions sees the result at once ("from your
    # profile"), with a link to answer differently (?verifier): no form to send again.
    from_profile = request.method == "GET" and "verifier" not in request.GET and form.initial_answers()
    if from_profile:
        result = eligibility.evaluate(rules, from_profile, session_start=session.starts_on)
    elif request.method == "POST" and form.is_valid():
        result = eligibility.evaluate(rules, form.answers(), session_start=session.starts_on)
        if not request.user.is_authenticated:
            remember_check_answers(request, form.answers())
    shared = {
        "session": session,
        "entry_conditions": rule_summary(rules, easy_read_text=rule_set.easy_read_conditions if rule_set else ""),
    }
    context.update(
        {
            "eligibility_form": form,
            "eligibility_result": result,
            "eligibility_from_profile": bool(from_profile),
            # A candidate starts the application from here (its first step next); the start page
            # stays for the others, and for a candidate whose profile does not meet the conditions
            # (it says which before a draft is made).
            "apply_at_once": getattr(request.user, "candidate_profile", None) is not None
            and not (result and result.outcome == eligibility.NOT_ELIGIBLE),
            "eligibility_rules": EligibilityCheckForm.applicable_rules(rules),
            "shared": public_cache.fragments(
                request,
                {
                    part: partial(render_to_string, f"programmes/includes/session_{part}.html", shared, request)
                    for part in ("heading", "about", "more")
                },
            ),
        }
    )
    return render(request, "programmes/session_detail.html", context)


# A rule set's entry conditions as sentences: the usual ones, and in « Facile à lire et à
# comprendre » (short sentences, one idea each, everyday words; the ages as two sentences).
CONDITION_TEXTS = {
    "usual": {
        "age_between": gettext_lazy("Avoir entre %(min)s et %(max)s ans au début de la formation."),
        "min_age": gettext_lazy("Avoir au moins %(min)s ans au début de la formation."),
        "max_age": gettext_lazy("Avoir au plus %(max)s ans au début de la formation."),
        "qualification": gettext_lazy("Diplôme le plus élevé : au plus « %(level)s »."),
        "job_seeker_months": gettext_lazy("Être inscrit(e) à France Travail depuis au moins %(months)s mois."),
        "job_seeker": gettext_lazy("Être inscrit(e) à France Travail (ex-Pôle emploi)."),
        "places": gettext_lazy("Habiter : %(places)s."),
        "qpv_required": gettext_lazy("Habiter dans un quartier prioritaire de la politique de la ville (QPV)."),
        "qpv_priority": gettext_lazy("Les habitants des quartiers prioritaires (QPV) sont prioritaires."),
    },
    "easy_read": {
        "age_between": None,
        "min_age": gettext_lazy("Vous avez %(min)s ans ou plus au début de la formation."),
        "max_age": gettext_lazy("Vous avez %(max)s ans ou moins au début de la formation."),
        "qualification": gettext_lazy("Votre diplôme le plus haut est « %(level)s » ou moins."),
        "job_seeker_months": gettext_lazy("Vous êtes inscrit à France Travail depuis %(months)s mois ou plus."),
        "job_seeker": gettext_lazy("Vous êtes inscrit à France Travail."),
        "places": gettext_lazy("Vous habitez ici : %(places)s."),
        "qpv_required": gettext_lazy("Vous habitez dans un quartier prioritaire. C'est un quartier aidé par l'État."),
        "qpv_priority": gettext_lazy("Vous habitez dans un quartier prioritaire ? Vous passez avant les autres."),
    },
}


def rule_summary(rules, *, easy_read_text=""):
    """The entry conditions of a rule set, in plain words, for the session page's "who is it for";
    in « Facile à lire et à comprendre » when the reader asked for it (``portal.easy_read``): the
    text staff wrote for these rules (one condition a line), else the FALC sentences."""
    if easy_read.active():
        written = [line.strip() for line in easy_read_text.splitlines() if line.strip()]
        return written or conditions_in(rules, CONDITION_TEXTS["easy_read"])
    return conditions_in(rules, CONDITION_TEXTS["usual"])


def conditions_in(rules, texts):
    """The sentences of ``texts`` (one of CONDITION_TEXTS) that ``rules`` call for."""
    conditions = []
    ages = {"min": rules.min_age, "max": rules.max_age}
    if texts["age_between"] and None not in ages.values():
        conditions.append(texts["age_between"] % ages)
    else:
        if rules.min_age is not None:
            conditions.append(texts["min_age"] % ages)
        if rules.max_age is not None:
            conditions.append(texts["max_age"] % ages)
    if rules.max_qualification_level is not None:
        conditions.append(texts["qualification"] % {"level": QualificationLevel(rules.max_qualification_level).label})
    if rules.min_job_seeker_months:
        conditions.append(texts["job_seeker_months"] % {"months": rules.min_job_seeker_months})
    elif rules.job_seeker_required:
        conditions.append(str(texts["job_seeker"]))
    places = [*map(departement_label, rules.allowed_departements), *rules.allowed_communes]
    if places:
        conditions.append(texts["places"] % {"places": ", ".join(places)})
    if rules.qpv_policy == eligibility.QPV_REQUIRED:
        conditions.append(str(texts["qpv_required"]))
    elif rules.qpv_policy == eligibility.QPV_PRIORITY:
        conditions.append(str(texts["qpv_priority"]))
    return conditions


def _profile_answers(request):
    """A logged-in candidate's profile pre-fills the questions."""
    profile = getattr(request.user, "candidate_profile", None) if request.user.is_authenticated else None
    if profile is None:
        return {}
    return {name: getattr(profile, name) for name in eligibility.Answers.FIELDS if hasattr(profile, name)}


def session_context(request, session):
    existing_application = None
    if request.user.is_authenticated:
        # Its reference and status are all the page shows (one at most per person and session).
        existing_application = session.applications.filter(candidate=request.user).values("reference", "status").first()
    return {
        "session": session,
        "existing_application": existing_application,
        "is_open": session.is_open_for_applications(),
        "is_full": session.is_full,
        "today": timezone.localdate(),
    }
