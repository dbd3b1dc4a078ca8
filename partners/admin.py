from django.contrib import admin

from portal.admin import PortalModelAdmin

from .models import Charter, CharterSignature, Commitment, PartnerCompany, PartnerMembership


class PartnerMembershipInline(admin.TabularInline):
    model = PartnerMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(PartnerCompany)
class PartnerCompanyAdmin(PortalModelAdmin):
    list_display = ["name", "website"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PartnerMembershipInline]


class SignatureInline(admin.TabularInline):
    model = CharterSignature
    extra = 0
    autocomplete_fields = ["company"]


@admin.register(Charter)
class CharterAdmin(PortalModelAdmin):
    list_display = ["title", "programme", "season", "signed_on", "is_published"]
    list_filter = ["programme", "season", "is_published"]
    search_fields = ["title"]
    list_select_related = ["programme"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SignatureInline]


class CommitmentInline(admin.TabularInline):
    model = Commitment
    extra = 0
    raw_id_fields = ["session"]


@admin.register(CharterSignature)
class CharterSignatureAdmin(PortalModelAdmin):
    list_display = ["company", "charter", "signatory_name", "signed_on"]
    list_filter = ["charter"]
    search_fields = ["company__name", "signatory_name"]
    list_select_related = ["company", "charter"]
    inlines = [CommitmentInline]


@admin.register(Commitment)
class CommitmentAdmin(PortalModelAdmin):
    list_display = ["signature", "kind", "quantity_promised", "period_start", "period_end", "session"]
    list_filter = ["kind", "signature__charter", "signature__company"]
    list_select_related = ["signature__company", "signature__charter", "session__site"]
    raw_id_fields = ["session"]
