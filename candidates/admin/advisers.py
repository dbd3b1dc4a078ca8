"""Orienting organisations in the admin: municipal staff create them, decide their habilitation
(actions, through ``candidates.advisers.attestations.set_habilitation``), invite their first
members (the invitations inline, through ``candidates.advisers.services.invite_member``) and
remove members; the people they support are listed, read only."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from portal.admin import PortalHistoryAdmin, PortalModelAdmin, PortalTabularInline, RecordAdmin

from ..advisers import attestations, services
from ..models import AdviserInvitation, AdviserMembership, AdviserOrganisation, Support


class MunicipalOnly:
    """These pages are municipal staff's (and superusers')."""

    def _is_municipal(self, request):
        return request.user.is_active and request.user.is_municipal_staff

    def has_module_permission(self, request):
        return self._is_municipal(request)

    def has_view_permission(self, request, obj=None):
        return self._is_municipal(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._is_municipal(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._is_municipal(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # organisations, memberships and supports are kept: applications name them


class MembershipInline(MunicipalOnly, PortalTabularInline):
    model = AdviserMembership
    fk_name = "organisation"
    extra = 0
    can_delete = False
    verbose_name_plural = _("membres (pour retirer un membre : liste des membres, action « Retirer »)")
    fields = ["user", "joined_at", "invited_by", "left_at", "removed_by"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "invited_by", "removed_by")

    def has_add_permission(self, request, obj=None):
        return False  # members join by invitation


class InvitationInline(MunicipalOnly, PortalTabularInline):
    """New rows are sent as invitations (services.invite_member); sent ones are read only."""

    model = AdviserInvitation
    extra = 0
    can_delete = False
    verbose_name = _("invitation à rejoindre l'organisation")
    verbose_name_plural = _("invitations à rejoindre l'organisation (envoyées par e-mail)")
    fields = ["email", "first_name", "last_name", "invited_by", "created_at", "expires_at", "accepted_at"]
    readonly_fields = ["invited_by", "created_at", "expires_at", "accepted_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("invited_by")

    def has_change_permission(self, request, obj=None):
        return False


@admin.action(description=_("Habiliter les organisations sélectionnées (leurs attestations comptent)"))
def habilitate(modeladmin, request, queryset):
    _set_habilitation(modeladmin, request, queryset, habilitated=True)


@admin.action(description=_("Retirer l'habilitation des organisations sélectionnées"))
def withdraw_habilitation(modeladmin, request, queryset):
    _set_habilitation(modeladmin, request, queryset, habilitated=False)


def _set_habilitation(modeladmin, request, queryset, *, habilitated):
    try:
        for organisation in queryset:
            attestations.set_habilitation(organisation, habilitated=habilitated, actor=request.user)
    except PermissionDenied as error:
        modeladmin.message_user(request, str(error), messages.ERROR)
        return
    count = queryset.count()
    message = (
        ngettext("%(count)d organisation habilitée.", "%(count)d organisations habilitées.", count)
        if habilitated
        else ngettext(
            "Habilitation retirée à %(count)d organisation ; ses attestations ne comptent plus.",
            "Habilitation retirée à %(count)d organisations ; leurs attestations ne comptent plus.",
            count,
        )
    )
    modeladmin.message_user(request, message % {"count": count}, messages.SUCCESS)


for _action in (habilitate, withdraw_habilitation):
    _action.allowed_permissions = ("change",)


@admin.register(AdviserOrganisation)
class AdviserOrganisationAdmin(MunicipalOnly, PortalHistoryAdmin):
    list_display = [
        "name",
        "kind",
        "code",
        "commune",
        "is_habilitated",
        "habilitated_at",
        "member_count",
        "supported_count",
    ]
    list_filter = ["kind", "is_habilitated"]
    search_fields = ["name", "code", "commune", "postcode", "siret"]
    readonly_fields = ["is_habilitated", "habilitated_at", "habilitated_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "code", "siret"]}),
        (_("Coordonnées"), {"fields": ["address", "postcode", "commune", "email", "phone"]}),
        (
            _("Habilitation (par les actions de la liste)"),
            {"fields": ["is_habilitated", "habilitated_at", "habilitated_by", "created_at"]},
        ),
    ]
    inlines = [MembershipInline]
    actions = [habilitate, withdraw_habilitation]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=Count("memberships", filter=Q(memberships__left_at__isnull=True), distinct=True),
                supported_count=Count("supports", filter=Q(supports__withdrawn_at__isnull=True), distinct=True),
            )
        )

    @admin.display(description=_("membres"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    @admin.display(description=_("personnes accompagnées"), ordering="supported_count")
    def supported_count(self, obj):
        return obj.supported_count

    def save_formset(self, request, form, formset, change):
        if formset.model is not AdviserInvitation:
            return super().save_formset(request, form, formset, change)
        for invitation in formset.save(commit=False):
            try:
                services.invite_member(
                    form.instance,
                    email=invitation.email,
                    first_name=invitation.first_name,
                    last_name=invitation.last_name,
                    invited_by=request.user,
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            else:
                self.message_user(
                    request, gettext("Invitation envoyée à %(email)s.") % {"email": invitation.email}, messages.SUCCESS
                )
        return None


@admin.action(description=_("Retirer de leur organisation les membres sélectionnés"))
def remove_members(modeladmin, request, queryset):
    count = 0
    for membership in queryset.filter(left_at__isnull=True).select_related("organisation"):
        services.remove_member(membership, actor=request.user)
        count += 1
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d membre retiré : il n'a plus accès.", "%(count)d membres retirés : ils n'ont plus accès.", count
        )
        % {"count": count},
        messages.SUCCESS,
    )


remove_members.allowed_permissions = ("change",)


@admin.register(AdviserMembership)
class AdviserMembershipAdmin(MunicipalOnly, PortalModelAdmin):
    """Members join by invitation and leave through the action: nothing is typed here."""

    list_display = ["user", "organisation", "joined_at", "invited_by", "left_at"]
    list_filter = ["organisation__kind", ("left_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__first_name", "user__last_name", "organisation__name"]
    list_select_related = ["user", "organisation", "invited_by"]
    fields = ["organisation", "user", "joined_at", "invited_by", "left_at", "removed_by"]
    readonly_fields = fields
    actions = [remove_members]

    def has_add_permission(self, request):
        return False


@admin.register(Support)
class SupportAdmin(MunicipalOnly, RecordAdmin):
    """Who supports whom, since when, with the person's accord or not (read only: the person and
    the advisers act from their spaces)."""

    list_display = ["person", "organisation", "referent", "created_at", "consented_at", "withdrawn_at"]
    list_filter = [
        "organisation__kind",
        ("consented_at", admin.EmptyFieldListFilter),
        ("withdrawn_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["person__email", "person__first_name", "person__last_name", "organisation__name"]
    list_select_related = ["person", "organisation", "referent"]
    fields = [
        "person",
        "organisation",
        "referent",
        "created_account",
        "created_at",
        "consented_at",
        "withdrawn_at",
        "code_expires_at",
        "code_failures",
    ]
    readonly_fields = fields
