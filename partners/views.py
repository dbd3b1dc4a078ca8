"""Pages of the partners app: the public charter, the partner space and the trainees' side.

Every page starts from a scoped queryset: a partner sees its own company's opportunities and the
trainees interested in them, a trainee the opportunities of the sessions they are admitted to;
anything else is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import InterestForm, OpportunityForm
from .models import Charter, Commitment, Interest, Opportunity

OPPORTUNITIES_PER_PAGE = 20

# --- Public -----------------------------------------------------------------------------------


def charter_list(request):
    charters = Charter.objects.filter(is_published=True).select_related("programme")
    return render(request, "partners/charter_list.html", {"charters": charters})


def charter_detail(request, slug):
    """The charter's text, its signatories and their commitments, promised vs delivered. Companies
    and figures only: no personal data."""
    charter = get_object_or_404(Charter.objects.filter(is_published=True).select_related("programme"), slug=slug)
    commitments = Commitment.objects.with_delivered().select_related("programme", "session").order_by("kind", "pk")
    signatures = (
        charter.signatures.with_figures()
        .select_related("company")
        .prefetch_related(Prefetch("commitments", queryset=commitments))
        .order_by("company__name")
    )
    context = {
        "charter": charter,
        "text": charter.text_for(),
        "signatures": signatures,
        "figures": services.commitment_figures(charter=charter),
        "can_download": bool(charter.signed_copy) and _may_download_signed_copy(request.user, charter),
    }
    return render(request, "partners/charter_detail.html", context)


def _may_download_signed_copy(user, charter):
    if not user.is_authenticated:
        return False
    return user.is_municipal_staff or charter.signatures.filter(company__memberships__user=user).exists()


@login_required
def signed_copy_download(request, slug):
    """The signed PDF, for municipal staff and the signatory companies' members only."""
    charter = get_object_or_404(Charter, slug=slug)
    if not charter.signed_copy or not _may_download_signed_copy(request.user, charter):
        raise Http404
    return FileResponse(
        charter.signed_copy.open("rb"),
        as_attachment=True,
        filename=f"{charter.slug}.pdf",
        content_type="application/pdf",
    )


# --- Partner space ----------------------------------------------------------------------------


def _partner_companies(user):
    companies = list(services.companies_of(user))
    if not companies:
        raise Http404
    return companies


@login_required
def partner_space(request):
    companies = _partner_companies(request.user)
    commitments = (
        Commitment.objects.filter(signature__company__in=companies)
        .with_delivered()
        .select_related("signature__company", "signature__charter", "programme", "session")
        .order_by("signature__company__name", "signature__charter__title", "kind")
    )
    opportunities = (
        Opportunity.objects.filter(company__in=companies)
        .with_interest_counts()
        .select_related("company")
        .order_by("-starts_on", "title")
    )
    context = {
        "companies": companies,
        "several_companies": len(companies) > 1,
        "commitments": commitments,
        "opportunities_page": Paginator(opportunities, OPPORTUNITIES_PER_PAGE).get_page(request.GET.get("page")),
    }
    return render(request, "partners/space.html", context)


@login_required
def opportunity_edit(request, pk=None):
    companies = _partner_companies(request.user)
    instance = None
    if pk is not None:
        instance = get_object_or_404(Opportunity.objects.filter(company__in=companies), pk=pk)
    form = OpportunityForm(request.POST or None, instance=instance, companies=companies)
    if request.method == "POST" and form.is_valid():
        opportunity = services.save_opportunity(
            form.save(commit=False),
            sessions=form.cleaned_data["sessions"],
            tracks=form.cleaned_data["tracks"],
            actor=request.user,
        )
        messages.success(request, _("L'opportunité « %(title)s » est publiée.") % {"title": opportunity.title})
        return redirect("partners:partner_opportunity", pk=opportunity.pk)
    return render(request, "partners/opportunity_form.html", {"form": form, "opportunity": instance})


@login_required
def partner_opportunity(request, pk):
    """An opportunity of the partner's company and the trainees interested in it (what they shared)."""
    opportunity = get_object_or_404(
        Opportunity.objects.filter(company__in=_partner_companies(request.user))
        .select_related("company", "commitment__signature__charter")
        .prefetch_related("track_links", "sessions__site"),
        pk=pk,
    )
    interests = opportunity.interests.select_related(
        "candidate__candidate_profile", "application__session__site"
    ).order_by("created_at", "pk")
    return render(
        request,
        "partners/partner_opportunity.html",
        {"opportunity": opportunity, "interests": interests, "Status": Interest.Status},
    )


@login_required
@require_POST
def interest_decide(request, pk, decision):
    if decision not in {"taken", "not_taken"}:
        raise Http404
    interest = get_object_or_404(Interest.objects.for_partner_member(request.user).distinct(), pk=pk)
    try:
        if decision == "taken":
            services.mark_taken(interest, actor=request.user)
            messages.success(request, _("La personne est marquée comme retenue."))
        else:
            services.mark_not_taken(interest, actor=request.user)
            messages.success(request, _("La personne est marquée comme non retenue."))
    except services.PartnerError as error:
        messages.error(request, str(error))
    return redirect("partners:partner_opportunity", pk=interest.opportunity_id)


# --- Trainees ---------------------------------------------------------------------------------


def _with_my_interest(opportunities, user):
    mine = Interest.objects.filter(opportunity=OuterRef("pk"), candidate=user)
    return opportunities.annotate(my_interest_status=Subquery(mine.values("status")[:1]))


@login_required
def trainee_opportunities(request):
    opportunities = _with_my_interest(
        Opportunity.objects.for_candidate(request.user)
        .select_related("company")
        .prefetch_related("track_links")
        .order_by("apply_by", "title"),
        request.user,
    )
    return render(
        request,
        "partners/trainee_opportunities.html",
        {
            "page": Paginator(opportunities, OPPORTUNITIES_PER_PAGE).get_page(request.GET.get("page")),
            "today": timezone.localdate(),
            "Status": Interest.Status,
        },
    )


@login_required
def trainee_opportunity(request, pk):
    opportunity = get_object_or_404(Opportunity.objects.for_candidate(request.user).select_related("company"), pk=pk)
    interest = Interest.objects.filter(opportunity=opportunity, candidate=request.user).first()
    if request.method == "POST" and interest is not None:
        return redirect("partners:trainee_opportunity", pk=opportunity.pk)  # a second click: still one interest
    form = InterestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            interest, created = services.express_interest(
                opportunity=opportunity, candidate=request.user, **form.cleaned_data
            )
        except services.OpportunityClosed as error:
            form.add_error(None, str(error))
        else:
            # No flash message: the page it returns to says « Votre intérêt est transmis » in its
            # own place (walk-through row 37: it was said twice).
            return redirect("partners:trainee_opportunity", pk=opportunity.pk)
    context = {
        "opportunity": opportunity,
        "interest": interest,
        "form": form,
        "is_open": opportunity.is_open_for_interest(),
        "Status": Interest.Status,
    }
    return render(request, "partners/trainee_opportunity.html", context)


@login_required
@require_POST
def interest_withdraw(request, pk):
    opportunity = get_object_or_404(Opportunity.objects.for_candidate(request.user), pk=pk)
    interest = get_object_or_404(Interest, opportunity=opportunity, candidate=request.user)
    try:
        services.withdraw_interest(interest)
        messages.success(request, _("Votre intérêt est retiré."))
    except services.PartnerError as error:
        messages.error(request, str(error))
    return redirect("partners:trainee_opportunity", pk=opportunity.pk)
