"""Sessions in the admin, written through the seat service (candidates.seats) exactly as the
training centre's pages write them: a capacity below the seats already taken is refused on the
field, with the same message; raising it offers the new seats to the waiting list; moving the
dates tells the candidates. Registered on the candidates side because seats are applications'
business: programmes knows nothing of them."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.admin import WorkflowHistoryAdmin
from portal.forms import ServiceModelForm
from programmes.models import Session

from .. import seats
from ..session_forms import SessionDatesMixin


class SessionAdminForm(SessionDatesMixin, ServiceModelForm):
    class Meta:
        model = Session
        fields = "__all__"

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk is not None and capacity is not None and capacity < self.instance.capacity:
            # Inside the admin's transaction: the session stays locked until it is saved.
            seats.check_capacity(self.instance.pk, capacity)
        return capacity


@admin.register(Session)
class SessionAdmin(WorkflowHistoryAdmin):
    form = SessionAdminForm
    list_display = [
        "name",
        "programme",
        "site",
        "track",
        "starts_on",
        "ends_on",
        "capacity",
        "applications_close_on",
        "publication",
    ]
    list_filter = [
        "publication",
        "programme",
        "track",
        "rhythm",
        "delivery",
        "learner_status",
        "site__departement",
        "site__provider",
    ]
    actions = ["publish_sessions", "return_sessions_to_centre"]
    search_fields = ["name", "site__commune", "site__provider__name", "programme__name"]
    list_select_related = ["programme", "site", "site__provider"]
    date_hierarchy = "starts_on"
    autocomplete_fields = ["site"]

    def get_readonly_fields(self, request, obj=None):
        # Once saved, a session's publication moves only through the actions (candidates.seats).
        return ["publication"] if obj is not None else []

    @admin.action(description=_("Publier les sessions sélectionnées"))
    def publish_sessions(self, request, queryset):
        count = self._move(request, queryset, "publish")
        if count:
            message = ngettext("%(count)d session publiée.", "%(count)d sessions publiées.", count)
            self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Renvoyer les sessions sélectionnées à leur structure"))
    def return_sessions_to_centre(self, request, queryset):
        count = self._move(request, queryset, "return_to_centre")
        if count:
            message = ngettext(
                "%(count)d session renvoyée à sa structure.", "%(count)d sessions renvoyées à leur structure.", count
            )
            self.message_user(request, message % {"count": count}, messages.SUCCESS)

    def _move(self, request, queryset, name):
        count = 0
        for session in queryset.order_by("pk"):
            try:
                seats.move_session_publication(session, name, actor=request.user)
            except seats.PublicationRefused as refusal:
                self.message_user(request, f"{session.name} : {refusal}", messages.WARNING)
            else:
                count += 1
        return count

    def save_model(self, request, obj, form, change):
        if not change:
            seats.create_session(obj, actor=request.user)
            return
        changes = {field: form.cleaned_data[field] for field in form.changed_data if field in seats.SESSION_FIELDS}
        seats.update_session(obj, changes, actor=request.user)

    def delete_model(self, request, obj):
        seats.delete_session(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for session in queryset:
            seats.delete_session(session, actor=request.user)
