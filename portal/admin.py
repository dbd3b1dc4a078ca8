from allauth.account.decorators import secure_admin_login
from allauth.account.views import LogoutView
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import deferred, outbox
from .admin_parameters import SafeChangelistMixin
from .admin_widgets import SafeAutocompleteAdminMixin
from .information import ensure_pages
from .models import AccessLog, DeferredTask, InformationPage, OutgoingEmail, User

admin.site.site_header = _("Portail des formations numériques — administration")
admin.site.site_title = _("Administration du portail")
admin.site.index_title = _("Tableau de bord")
# One login for everyone: the admin's login page sends to the portal's (django-allauth), so that its
# rate limits and the second factor apply to staff too; a signed-in user who is not staff gets a 403.
# Logging out of the admin is the portal's logout (it also ends a FranceConnect/ProConnect session).
admin.site.login = secure_admin_login(admin.site.login)
admin.site.logout = LogoutView.as_view()


class PortalModelAdmin(SafeAutocompleteAdminMixin, SafeChangelistMixin, admin.ModelAdmin):
    """Shared habits of the portal's admin pages: no full count on big tables, paginated lists,
    list parameters checked (portal.admin_parameters), autocomplete widgets that take any posted
    value (portal.admin_widgets)."""

    show_full_result_count = False
    list_per_page = 50

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        # Django's own renders a form widget template per row (a third of a 50-row page's time);
        # the same markup, written directly.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), obj),
        )


class PortalTabularInline(SafeAutocompleteAdminMixin, admin.TabularInline):
    """The inlines of the portal's admin pages (autocomplete widgets that take any posted value)."""


class PortalStackedInline(SafeAutocompleteAdminMixin, admin.StackedInline):
    """The inlines of the portal's admin pages (autocomplete widgets that take any posted value)."""


class RecordAdmin(PortalModelAdmin):
    """Records that the portal's services write (history, screenings, runs, notes): read here,
    never added, changed or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    """The history's changes in the staff's words: a choice by its label (« Éligible », not
    « eligible »), yes/no for booleans, « — » for nothing, dates in the local time and format."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if value is None or value == "":
            return "—"
        if getattr(field, "choices", None) and not isinstance(value, list):
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, bool):
            return gettext("oui") if value else gettext("non")
        if hasattr(value, "tzinfo") and hasattr(value, "hour"):
            return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "d/m/Y H:i")
        if hasattr(value, "isoformat"):
            return formats.date_format(value, "d/m/Y")
        return value


class PortalHistoryAdmin(SimpleHistoryAdmin, PortalModelAdmin):
    """For audited models: the "history" button shows who changed what and when — of the objects
    this user's list shows only (simple-history would otherwise rebuild a hidden object, such as
    a candidate's unsent draft, from its history rows). Values are shown as staff read them
    (ReadableHistoryHelper); ``history_reason_labels`` turns stored reason codes (a transition's
    name) into words."""

    object_history_list_template = "simple_history/object_history_list.html"
    history_reason_labels: dict = {}

    def history_view_title(self, request, obj):
        return gettext("Historique des modifications : %(object)s") % {"object": obj}

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        for record in historical_records:
            reason = record.history_change_reason or ""
            record.readable_reason = self.history_reason_labels.get(reason, reason)

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _visible_or_404(self, request, object_id):
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise Http404


class WorkflowHistoryAdmin(PortalHistoryAdmin):
    """For models that only their service writes (portal.doors): the history stays readable, but
    simple-history's « Rétablir » is refused. Restoring an old version would save it whole, outside
    the service: no workflow check, no event, no email, no seat lock. The version page is shown
    read-only; a POST to it (the revert) is refused with 403 and changes nothing."""

    def revert_disabled(self, request, obj=None):
        return True

    def has_change_history_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(User)
class UserAdmin(SafeAutocompleteAdminMixin, SafeChangelistMixin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "language", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "language"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "language")}),
        (_("Notifications"), {"fields": ("receives_reminders", "receives_digests")}),
        (_("Droits"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def delete_model(self, request, obj):
        # Deleting an account is the candidate's right over their data, with its own service
        # (settings.ACCOUNT_DELETION_SERVICE): active applications withdrawn (seats freed), the
        # rest anonymised. A plain delete would leave applications active with no candidate.
        import_string(settings.ACCOUNT_DELETION_SERVICE)(obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            self.delete_model(request, user)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(PortalModelAdmin):
    list_display = ["created_at", "kind", "recipient", "language", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "kind", "language", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient", "subject", "idempotency_key"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]
    list_select_related = ["application"]
    actions = ["retry_emails", "cancel_emails"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Renvoyer les e-mails sélectionnés (sauf ceux déjà envoyés)"))
    def retry_emails(self, request, queryset):
        count = outbox.retry(queryset)
        self.message_user(
            request,
            ngettext("%(count)d e-mail remis en file d'envoi.", "%(count)d e-mails remis en file d'envoi.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Annuler les e-mails en attente sélectionnés"))
    def cancel_emails(self, request, queryset):
        count = queryset.filter(status=OutgoingEmail.Status.QUEUED).update(status=OutgoingEmail.Status.CANCELLED)
        self.message_user(
            request,
            ngettext("%(count)d e-mail annulé.", "%(count)d e-mails annulés.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(AccessLog)
class AccessLogAdmin(RecordAdmin):
    """The personal-data access trail: superusers only, read only (see portal.audit)."""

    list_display = ["at", "actor_email", "space", "action", "object_type", "object_id", "candidate_id", "ip_address"]
    list_filter = ["action", "space", "object_type"]
    search_fields = ["=actor_email", "=object_id", "=candidate_id"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AccessLog._meta.fields]
    actions = None

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(DeferredTask)
class DeferredTaskAdmin(RecordAdmin):
    """The tasks services asked for (portal.deferred): superusers follow them and retry failed ones."""

    list_display = ["created_at", "task_name", "args", "status", "attempts", "publications", "finished_at"]
    list_filter = ["status", "task_name"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in DeferredTask._meta.fields]
    actions = ["retry_tasks"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=_("Relancer les tâches en échec sélectionnées"))
    def retry_tasks(self, request, queryset):
        count = deferred.retry(queryset)
        self.message_user(
            request,
            ngettext("%(count)d tâche relancée.", "%(count)d tâches relancées.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(InformationPage)
class InformationPageAdmin(PortalHistoryAdmin):
    """Staff keep the accessibility statement, legal notice, privacy notice and help page up to
    date here, in French and English, without a deployment. The four pages exist from the start
    (a data migration): they are edited, never added or deleted."""

    list_display = ("__str__", "title_fr", "updated_at")
    readonly_fields = ("slug", "updated_at")
    fieldsets = (
        (None, {"fields": ("slug", "updated_at")}),
        (
            _("Français"),
            {
                "fields": ("title_fr", "body_fr"),
                "description": _(
                    "Dans la politique de confidentialité, {documents_months} et {anonymise_months} "
                    "affichent les durées de conservation réglées pour le portail (en mois)."
                ),
            },
        ),
        (_("English"), {"fields": ("title_en", "body_en")}),
        (
            _("Accessibilité (déclaration seulement)"),
            {"fields": ("conformance", "audit_rate", "audited_on")},
        ),
    )

    def get_queryset(self, request):
        ensure_pages()
        return super().get_queryset(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
