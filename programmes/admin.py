"""The catalogue in the admin: programmes, funders, structures and their sites. Sessions and
eligibility rules are registered by candidates.admin: they are written through the seat service and
the screening's versioned rules."""

from django.contrib import admin

from portal.admin import PortalHistoryAdmin, PortalModelAdmin, PortalTabularInline

from .models import (
    Funder,
    Funding,
    Programme,
    ProgrammeAudience,
    ProgrammeLabel,
    ProviderMembership,
    TrainingProvider,
    TrainingSite,
)


class FundingInline(PortalTabularInline):
    model = Funding
    extra = 0
    autocomplete_fields = ["funder"]


class LabelInline(PortalTabularInline):
    model = ProgrammeLabel
    extra = 0


class AudienceInline(PortalTabularInline):
    model = ProgrammeAudience
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(PortalHistoryAdmin):
    list_display = ["name", "season", "applications_open_on", "applications_close_on", "is_published"]
    list_filter = ["is_published", "season"]
    search_fields = ["name", "short_name", "season"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [FundingInline, LabelInline, AudienceInline]
    # The structures whose staff may propose sessions of the programme from the centre space.
    filter_horizontal = ["training_providers"]


@admin.register(Funder)
class FunderAdmin(PortalModelAdmin):
    list_display = ["name", "kind"]
    search_fields = ["name"]


class MembershipInline(PortalTabularInline):
    model = ProviderMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(TrainingProvider)
class TrainingProviderAdmin(PortalModelAdmin):
    list_display = ["name", "kind", "website"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(TrainingSite)
class TrainingSiteAdmin(PortalModelAdmin):
    list_display = ["name", "provider", "commune", "postcode", "departement", "in_qpv"]
    list_filter = ["departement", "in_qpv", "provider"]
    search_fields = ["name", "commune", "postcode", "provider__name"]
    list_select_related = ["provider"]
