from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.admin import PortalModelAdmin, PortalTabularInline

from . import services
from .models import (
    Charter,
    CharterSignature,
    Commitment,
    Interest,
    Opportunity,
    OpportunityTrack,
    PartnerCompany,
    PartnerMembership,
)


class PartnerMembershipInline(PortalTabularInline):
    model = PartnerMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(PartnerCompany)
class PartnerCompanyAdmin(PortalModelAdmin):
    list_display = ["name", "website"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PartnerMembershipInline]


class SignatureInline(PortalTabularInline):
    model = CharterSignature
    extra = 0
    autocomplete_fields = ["company"]


@admin.register(Charter)
class CharterAdmin(PortalModelAdmin):
    list_display = ["title", "programme", "season", "signed_on", "season_ends_on", "is_published", "figures_link"]
    list_filter = ["programme", "season", "is_published"]
    search_fields = ["title"]
    list_select_related = ["programme"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SignatureInline]

    @admin.display(description=_("promis / réalisés"))
    def figures_link(self, charter):
        url = reverse("admin:partners_charter_figures") + f"?charter={charter.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Voir"))

    def get_urls(self):
        return [
            path(
                "engagements/",
                self.admin_site.admin_view(self.figures_view),
                name="partners_charter_figures",
            ),
            *super().get_urls(),
        ]

    def figures_view(self, request):
        """Promised vs delivered per charter, per company and per commitment, for municipal staff."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        charters = Charter.objects.select_related("programme").order_by("-signed_on", "title")
        if request.GET.get("charter", "").isdigit():
            charters = charters.filter(pk=request.GET["charter"])
        commitments = Commitment.objects.with_delivered().select_related("session").order_by("kind", "pk")
        signatures = (
            CharterSignature.objects.with_figures()
            .select_related("company")
            .prefetch_related(Prefetch("commitments", queryset=commitments))
            .order_by("company__name")
        )
        charters = list(charters.prefetch_related(Prefetch("signatures", queryset=signatures)))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Engagements des partenaires : promis et réalisés"),
            "opts": self.model._meta,
            "charters": charters,
            "figures": services.commitment_figures(),
        }
        return TemplateResponse(request, "admin/partners/commitment_figures.html", context)


class CommitmentInline(PortalTabularInline):
    model = Commitment
    extra = 0
    raw_id_fields = ["session"]


@admin.register(CharterSignature)
class CharterSignatureAdmin(PortalModelAdmin):
    list_display = ["company", "charter", "signatory_name", "signed_on", "promised", "delivered"]
    list_filter = ["charter"]
    search_fields = ["company__name", "signatory_name"]
    list_select_related = ["company", "charter"]
    inlines = [CommitmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_figures()

    @admin.display(description=_("promis"), ordering="promised")
    def promised(self, signature):
        return signature.promised

    @admin.display(description=_("réalisés"), ordering="delivered")
    def delivered(self, signature):
        return signature.delivered


class BehindFilter(admin.SimpleListFilter):
    title = _("avancement")
    parameter_name = "behind"

    def lookups(self, request, model_admin):
        return [("yes", _("En retard (réalisés < promis)")), ("no", _("Tenu"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(shortfall__gt=0)
        if self.value() == "no":
            return queryset.filter(shortfall=0)
        return queryset


@admin.register(Commitment)
class CommitmentAdmin(PortalModelAdmin):
    list_display = [
        "company",
        "charter",
        "kind",
        "quantity_promised",
        "delivered",
        "shortfall",
        "period_start",
        "period_end",
        "session",
    ]
    list_filter = [BehindFilter, "kind", "signature__charter", "signature__company"]
    list_select_related = ["signature__company", "signature__charter", "session__site"]
    raw_id_fields = ["session"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_delivered()

    @admin.display(description=_("entreprise"), ordering="signature__company__name")
    def company(self, commitment):
        return commitment.signature.company

    @admin.display(description=_("charte"), ordering="signature__charter__title")
    def charter(self, commitment):
        return commitment.signature.charter

    @admin.display(description=_("réalisés"), ordering="delivered")
    def delivered(self, commitment):
        return commitment.delivered

    @admin.display(description=_("reste à réaliser"), ordering="shortfall")
    def shortfall(self, commitment):
        return commitment.shortfall


class OpportunityTrackInline(PortalTabularInline):
    model = OpportunityTrack
    extra = 0


@admin.register(Opportunity)
class OpportunityAdmin(PortalModelAdmin):
    list_display = ["title", "company", "kind", "starts_on", "apply_by", "places", "interested_count", "taken_count"]
    list_filter = ["kind", "company", "is_published"]
    search_fields = ["title", "company__name"]
    list_select_related = ["company"]
    raw_id_fields = ["sessions", "commitment", "created_by"]
    inlines = [OpportunityTrackInline]
    date_hierarchy = "starts_on"

    def get_queryset(self, request):
        return super().get_queryset(request).with_interest_counts()

    @admin.display(description=_("intéressés"), ordering="interested_count")
    def interested_count(self, opportunity):
        return opportunity.interested_count

    @admin.display(description=_("retenus"), ordering="taken_count")
    def taken_count(self, opportunity):
        return opportunity.taken_count


@admin.register(Interest)
class InterestAdmin(PortalModelAdmin):
    """Placements are decided by the companies (or here through the same services); never typed."""

    list_display = ["opportunity", "company", "candidate", "status", "created_at", "decided_at"]
    list_filter = ["status", "opportunity__company", "opportunity__kind"]
    search_fields = ["opportunity__title", "opportunity__company__name"]
    list_select_related = ["opportunity__company", "candidate"]
    readonly_fields = ["status", "decided_at", "decided_by", "created_at"]
    raw_id_fields = ["opportunity", "candidate", "application"]
    actions = ["mark_taken", "mark_not_taken"]

    @admin.display(description=_("entreprise"), ordering="opportunity__company__name")
    def company(self, interest):
        return interest.opportunity.company

    @admin.action(description=_("Marquer comme retenu·e"))
    def mark_taken(self, request, queryset):
        self._decide(request, queryset, services.mark_taken)

    @admin.action(description=_("Marquer comme non retenu·e"))
    def mark_not_taken(self, request, queryset):
        self._decide(request, queryset, services.mark_not_taken)

    def _decide(self, request, queryset, service):
        done = 0
        for interest in queryset:
            try:
                service(interest, actor=request.user)
                done += 1
            except services.PartnerError as error:
                self.message_user(request, f"{interest}: {error}", messages.ERROR)
        if done:
            self.message_user(request, _("%(count)s intérêt(s) mis à jour.") % {"count": done}, messages.SUCCESS)
