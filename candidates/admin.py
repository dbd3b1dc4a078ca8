from django.contrib import admin

from portal.admin import PortalHistoryAdmin, PortalModelAdmin

from .models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationMessage,
    Appointment,
    CandidateProfile,
    Screening,
)


@admin.register(CandidateProfile)
class CandidateProfileAdmin(PortalModelAdmin):
    list_display = ["user", "postcode", "commune", "qualification_level", "is_job_seeker", "lives_in_qpv", "created_at"]
    list_filter = ["qualification_level", "is_job_seeker", "lives_in_qpv", "receives_rsa", "has_rqth", "gender"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "phone", "commune", "postcode"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "actor", "actor_role", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(PortalHistoryAdmin):
    list_display = ["candidate", "session", "status", "screening_outcome", "priority_score", "submitted_at"]
    list_filter = ["status", "screening_outcome", "session__programme", "session__site__provider", "session__track"]
    search_fields = [
        "candidate__email",
        "candidate__first_name",
        "candidate__last_name",
        "candidate__candidate_profile__phone",
    ]
    list_select_related = ["candidate", "session", "session__site"]
    ordering = ["-priority_score", "submitted_at"]
    raw_id_fields = ["candidate", "session", "current_screening"]
    inlines = [EventInline]


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(PortalModelAdmin):
    list_display = ["application", "from_status", "to_status", "actor", "actor_role", "created_at"]
    list_filter = ["to_status", "actor_role"]
    list_select_related = ["application__candidate", "application__session__site", "actor"]
    raw_id_fields = ["application", "actor"]


@admin.register(ApplicationDocument)
class ApplicationDocumentAdmin(PortalModelAdmin):
    list_display = ["application", "kind", "original_name", "content_type", "size", "uploaded_at"]
    list_filter = ["kind"]
    list_select_related = ["application__candidate", "application__session__site"]
    raw_id_fields = ["application"]


@admin.register(Appointment)
class AppointmentAdmin(PortalModelAdmin):
    list_display = ["application", "kind", "starts_at", "place", "outcome", "score"]
    list_filter = ["kind", "outcome"]
    list_select_related = ["application__candidate", "application__session__site"]
    raw_id_fields = ["application"]


@admin.register(ApplicationMessage)
class ApplicationMessageAdmin(PortalModelAdmin):
    list_display = ["application", "visibility", "author", "created_at"]
    list_filter = ["visibility"]
    list_select_related = ["application__candidate", "application__session__site", "author"]
    raw_id_fields = ["application"]


@admin.register(Screening)
class ScreeningAdmin(PortalModelAdmin):
    list_display = [
        "application",
        "outcome",
        "priority_score",
        "rule_set",
        "run_by_role",
        "created_at",
        "superseded_at",
    ]
    list_filter = ["outcome", "run_by_role"]
    list_select_related = [
        "application__candidate",
        "application__session__site",
        "rule_set__programme",
        "rule_set__session__site",
    ]
    raw_id_fields = ["application", "rule_set"]
