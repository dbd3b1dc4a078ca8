"""The applications in the admin: the list (filters, search), the application page (profile,
documents, screening, history, notes, decision buttons) and the records around it (events,
documents, appointments, notes), which only the services write."""

import json
import re
from functools import partial

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils.text import smart_split
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal import audit
from portal.admin import PortalModelAdmin, PortalStackedInline, PortalTabularInline, RecordAdmin, WorkflowHistoryAdmin
from portal.models import User

from .. import phones, services
from ..models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationMessage,
    Appointment,
    CandidateProfile,
)
from ..workflow import TRANSITIONS
from . import dashboard, decisions, exports, filters, reporting
from .pages import application_panels
from .screening import CriterionVerificationInline, ScreeningInline


@admin.register(CandidateProfile)
class CandidateProfileAdmin(PortalModelAdmin):
    list_display = ["user", "postcode", "commune", "qualification_level", "is_job_seeker", "lives_in_qpv", "created_at"]
    list_filter = ["qualification_level", "is_job_seeker", "lives_in_qpv", "receives_rsa", "has_rqth", "gender"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "phone", "commune", "postcode"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        # Municipal staff meet a candidate through a sent application: the profiles of people who
        # have only drafts (or nothing) are not theirs to browse. Superusers manage the accounts.
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(Exists(Application.objects.submitted().filter(candidate=OuterRef("user"))))


class EventInline(PortalTabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "actor", "actor_role", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class _MessageFormSet(BaseInlineFormSet):
    visibility = None

    def save_new(self, form, commit=True):
        form.instance.visibility = self.visibility
        return super().save_new(form, commit)


class _MessageInline(PortalStackedInline):
    """Notes are never edited or deleted once written: new ones are added. Internal comments and
    messages to the candidate are two separate lists, so one is never mistaken for the other."""

    model = ApplicationMessage
    extra = 0
    can_delete = False
    fields = ["body", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    visibility = None

    formset = _MessageFormSet

    def get_queryset(self, request):
        return super().get_queryset(request).filter(visibility=self.visibility).select_related("author")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.visibility = self.visibility
        return formset

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return obj is not None and super().has_add_permission(request, obj)


class InternalCommentInline(_MessageInline):
    visibility = ApplicationMessage.Visibility.INTERNAL
    verbose_name = _("commentaire interne (visible des seules équipes)")
    verbose_name_plural = _("commentaires internes (visibles des seules équipes)")
    add_label = _("Écrire un commentaire interne")


class CandidateMessageInline(_MessageInline):
    visibility = ApplicationMessage.Visibility.TO_CANDIDATE
    verbose_name = _("message au candidat")
    verbose_name_plural = _("messages au candidat")
    add_label = _("Écrire un message au candidat")


class MessageFromCandidateInline(_MessageInline):
    """What the candidate wrote from their application page (« je ne pourrai pas venir », a
    question): read here, answered by a message to the candidate."""

    visibility = ApplicationMessage.Visibility.FROM_CANDIDATE
    verbose_name = _("message du candidat")
    verbose_name_plural = _("messages du candidat")
    fields = ["topic", "appointment", "body", "author", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


SEARCH_IDS_LIMIT = 2000


def candidate_search(search_term):
    """The users matching every word of ``search_term`` (None: no search). A word of digits (and
    spaces, dots, dashes, a plus) is a phone number; any other word is looked for in the email,
    first and last name. Each test uses one trigram index (see portal migration 0003)."""
    term = (search_term or "").strip()
    if not term:
        return None
    if re.fullmatch(r"[\d\s.\-+]+", term):
        words = [term]  # one phone number, however it is spaced
    else:
        words = [word.strip("\"'") for word in smart_split(term) if word.strip("\"'")]
    users = User.objects.all()
    for word in words:
        digits = re.sub(r"[\s.\-+]", "", word)
        if digits.isdigit() and len(digits) >= 4:
            # A whole number, however typed (« +33 6 12 34 56 78 »), is looked for in the form the
            # profile keeps (candidates.phones); parts of numbers, and numbers written before that
            # form existed, in the common ways they are typed.
            forms = {word, digits, *(sep.join(digits[i : i + 2] for i in range(0, len(digits), 2)) for sep in " .")}
            canonical = phones.normalize(word)
            if canonical:
                forms.add(canonical)
            match = Q()
            for form in forms:
                match |= Q(candidate_profile__phone__contains=form)
            users = users.filter(match)
        else:
            users = users.filter(
                Q(email__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
            )
    return users


@admin.register(Application)
class ApplicationAdmin(WorkflowHistoryAdmin):
    list_display = [
        "candidate_name",
        "session_name",
        "site",
        "structure",
        "programme",
        "status",
        "screening_outcome",
        "priority_score",
        "oriented_by",
        "submitted_at",
    ]
    list_filter = [
        filters.ToReviewFilter,
        "status",
        "screening_outcome",
        filters.PriorityScoreFilter,
        ("submitted_at", admin.DateFieldListFilter),
        filters.ProgrammeFilter,
        filters.SeasonFilter,
        filters.ProviderFilter,
        filters.SiteFilter,
        filters.SessionFilter,
        "session__track",
        filters.OrientingKindFilter,
        filters.OrientedByFilter,
        *filters.AUDIENCE_FIELDS,
    ]
    search_fields = [
        "candidate__email",
        "candidate__first_name",
        "candidate__last_name",
        "candidate__candidate_profile__phone",
    ]
    search_help_text = _("Nom, prénom, adresse e-mail ou téléphone du candidat.")
    list_select_related = ["candidate", "session__site__provider", "session__programme", "oriented_by"]
    ordering = ["-priority_score", "submitted_at", "pk"]
    # The history's reasons are transition names: shown by their labels.
    history_reason_labels = {transition.name: transition.label for transition in TRANSITIONS}
    change_form_template = "admin/candidates/application/change_form.html"
    change_list_template = "admin/candidates/application/change_list.html"
    inlines = [
        InternalCommentInline,
        CandidateMessageInline,
        MessageFromCandidateInline,
        ScreeningInline,
        CriterionVerificationInline,
    ]
    actions = [decisions.bulk_action(name) for name in decisions.BULK_DECISIONS]
    fieldsets = [
        (None, {"fields": ["reference", "candidate", "session", "status", "wish", "submitted_at", "created_at"]}),
        (_("Orientation"), {"fields": ["oriented_by", "prepared_by"]}),
        (_("Éligibilité"), {"fields": ["screening_outcome", "priority_score"]}),
        # Eight yes/no flags: folded, so that the profile, the documents and the screening (above)
        # are not pushed below a column of ✖ icons.
        (
            _("Publics prioritaires"),
            {"fields": list(filters.AUDIENCE_FIELDS), "classes": ["collapse"]},
        ),
        (
            _("Décision"),
            {
                "fields": [
                    "offer_expires_at",
                    "waitlisted_at",
                    "refusal_reason",
                    "refusal_reason_shared",
                    "refusal_message",
                ]
            },
        ),
        (_("Motivation"), {"fields": ["motivation"]}),
    ]

    def get_queryset(self, request):
        # A draft is the candidate's own until it is sent: no one sees it here (list, search,
        # change page, history, exports, which all start from this queryset).
        queryset = super().get_queryset(request).submitted()
        if request.user.is_municipal_staff:
            return queryset
        return queryset.filter(pk__in=Application.objects.visible_to(request.user).values("pk"))

    def get_search_results(self, request, queryset, search_term):
        """Each word must match the candidate's email, first or last name, or phone. The words are
        matched on the users (a subquery) rather than on applications joined to users and
        profiles: at 100,000 applications that is the difference between 60 ms and a second."""
        users = candidate_search(search_term)
        if users is None:
            return queryset, False
        # A name search usually finds a few dozen people: handing PostgreSQL their ids (found
        # through the trigram indexes) lets it fetch those applications by index, where a
        # subquery's poor estimate made it walk the whole priority order.
        ids = list(users.values_list("pk", flat=True)[: SEARCH_IDS_LIMIT + 1])
        if len(ids) > SEARCH_IDS_LIMIT:
            return queryset.filter(candidate__in=users.values("pk")), False
        return queryset.filter(candidate__in=ids), False

    def get_readonly_fields(self, request, obj=None):
        # The status and what goes with it change only through the workflow service (buttons
        # and actions): nothing on this page edits them directly.
        return [field for fieldset in self.fieldsets for field in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False  # applications are created by candidates

    def has_delete_permission(self, request, obj=None):
        return False  # refused or withdrawn, never deleted: the programme's figures depend on them

    @admin.display(description=_("rang du vœu"))
    def wish(self, obj):
        """The rank of this wish among the person's active wishes of the programme, never the
        other sessions (one query, on the change page only)."""
        ranked = Application.objects.with_wish_position().filter(pk=obj.pk).values("wish_position", "wish_count")
        row = ranked.first()
        if not row or row["wish_position"] is None:
            return "—"
        return _("vœu n° %(position)s sur %(total)s") % {"position": row["wish_position"], "total": row["wish_count"]}

    @admin.display(description=_("candidat"), ordering="candidate__last_name")
    def candidate_name(self, obj):
        return obj.candidate or _("candidat anonymisé")

    @admin.display(description=_("session"), ordering="session__name")
    def session_name(self, obj):
        return obj.session.name

    @admin.display(description=_("lieu"), ordering="session__site__commune")
    def site(self, obj):
        return obj.session.site.commune

    @admin.display(description=_("structure"), ordering="session__site__provider__name")
    def structure(self, obj):
        return obj.session.site.provider.name

    @admin.display(description=_("programme"), ordering="session__programme__name")
    def programme(self, obj):
        return obj.session.programme.short_name or obj.session.programme.name

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/decision/<slug:name>/",
                self.admin_site.admin_view(partial(decisions.decision_view, self)),
                name="candidates_application_decision",
            ),
            path(
                "dashboard/",
                self.admin_site.admin_view(partial(dashboard.dashboard_view, self)),
                name="programme_dashboard",
            ),
            path(
                "export/",
                self.admin_site.admin_view(partial(exports.export_view, self)),
                name="candidates_application_export",
            ),
            path(
                "conservation-des-donnees/",
                self.admin_site.admin_view(partial(reporting.retention_view, self)),
                name="data_retention",
            ),
        ]
        return urls + super().get_urls()

    def save_model(self, request, obj, form, change):
        """Nothing to write: every field here is read-only, and saving the row as the page loaded it
        would overwrite a status changed meanwhile. The page only adds notes (save_formset)."""

    def save_formset(self, request, form, formset, change):
        # Only the note inlines add objects (screenings and verifications are read here).
        for note in formset.save(commit=False):
            services.add_note(note, author=request.user)
        formset.save_m2m()

    def changelist_view(self, request, extra_context=None):
        # Not Django's « Sélectionnez l'objet candidature à changer ».
        return super().changelist_view(request, {"title": gettext("Candidatures"), **(extra_context or {})})

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        """The notes' « add » links say what they do (not « Ajouter un objet … supplémentaire »)."""
        inline_admin_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_admin_formset in inline_admin_formsets:
            opts = inline_admin_formset.opts
            label = getattr(opts, "add_label", None) or gettext("Ajouter : %(name)s") % {"name": opts.verbose_name}
            data = json.loads(inline_admin_formset.inline_formset_data())
            data["options"]["addText"] = str(label)
            inline_admin_formset.inline_formset_data = partial(json.dumps, data)
        return inline_admin_formsets

    def response_change(self, request, obj):
        # The page only adds notes: say so, not « L'objet candidature … a été modifié avec succès ».
        self.message_user(request, gettext("Vos notes sont enregistrées."))
        return HttpResponseRedirect(request.path)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, object_id)
        extra = {}
        if application is not None:
            extra = application_panels(request, application)
            if request.method == "GET":
                audit.record_access(
                    request,
                    audit.Action.APPLICATION_VIEWED,
                    application,
                    space="admin",
                    candidate_id=application.candidate_id,
                )
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(RecordAdmin):
    """The workflow's history: written by the service only, never edited nor deleted here."""

    list_display = ["application", "transition", "from_status", "to_status", "actor", "actor_role", "created_at"]
    list_filter = ["to_status", "actor_role", "transition"]
    list_select_related = ["application__candidate", "application__session__site", "actor"]
    date_hierarchy = "created_at"


@admin.register(ApplicationDocument)
class ApplicationDocumentAdmin(PortalModelAdmin):
    list_display = ["application", "kind", "original_name", "content_type", "size", "uploaded_at"]
    list_filter = ["kind"]
    list_select_related = ["application__candidate", "application__session__site"]
    raw_id_fields = ["application"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(application__status=Application.Status.DRAFT)


@admin.register(Appointment)
class AppointmentAdmin(RecordAdmin):
    """Invitations and their outcomes, to read: an invitation is a decision on the application's
    page (candidates.services.invite), an outcome is recorded from the training centre's pages
    (candidates.services.record_outcome)."""

    list_display = ["application", "kind", "starts_at", "place", "outcome", "score", "recorded_by", "recorded_at"]
    list_filter = ["kind", "outcome"]
    list_select_related = ["application__candidate", "application__session__site", "recorded_by"]
    fields = [
        "application",
        "kind",
        "starts_at",
        "duration_minutes",
        "place",
        "what_to_bring",
        "outcome",
        "score",
        "comment",
        "created_by",
        "created_at",
        "recorded_by",
        "recorded_at",
    ]
    readonly_fields = fields


@admin.register(ApplicationMessage)
class ApplicationMessageAdmin(RecordAdmin):
    """Every note, to read: they are written from the application's page (where a message to the
    candidate is also emailed to them) and never edited nor deleted."""

    list_display = ["application", "visibility", "author", "created_at"]
    list_filter = ["visibility"]
    list_select_related = ["application__candidate", "application__session__site", "author"]
    fields = ["application", "visibility", "topic", "appointment", "body", "author", "created_at"]
    readonly_fields = fields
