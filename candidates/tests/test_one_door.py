"""One door for every act: no admin page, no form, no history revert writes an application, an
appointment, a session or a rule set outside its service.

The suite runs with the side-door guard on (portal.doors, conftest.py): a save or a delete of those
models outside their service raises SideDoorWrite. These tests walk every registered ModelAdmin
(list, change page submitted back as it was loaded, every action, every history version and its
revert) and every model form of those models, so a new admin page or form that writes around its
service fails here."""

import datetime
import inspect
from importlib import import_module

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import helpers
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from candidates import seats, services
from candidates.models import Application, ApplicationEvent, Appointment
from candidates.tests.factories import AppointmentFactory, application_in, oriented_application
from candidates.workflow import Status
from portal import doors
from portal.admin import WorkflowHistoryAdmin
from portal.forms import ServiceModelForm
from portal.tests.factories import UserFactory, municipal_staff
from programmes.models import EligibilityRuleSet, Session
from programmes.rules import save_new_version
from programmes.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

SERVICE_WRITTEN = {
    "candidates.Application",
    "candidates.Appointment",
    "candidates.TraineeFollowUp",
    "programmes.Session",
    "programmes.EligibilityRuleSet",
}


def label(model_admin):
    return model_admin.model._meta.label


REGISTERED = sorted(admin.site._registry.values(), key=label)


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def world():
    """Rows of every service-written model, each with a history of several versions."""
    agent = municipal_staff()
    application = application_in(Status.ELIGIBLE)
    services.invite(
        application,
        kind=Appointment.Kind.INTERVIEW,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        place="Salle 2, Pantin",
        actor=agent,
    )
    session = application.session
    seats.update_session(session, {"capacity": session.capacity + 2}, actor=agent)
    rules = save_new_version(EligibilityRuleSet(programme=session.programme, min_age=18), actor=agent)
    save_new_version(EligibilityRuleSet(programme=session.programme, min_age=20), actor=agent)
    # An orienting organisation, its member and a supported person (their admin pages are walked too).
    oriented_application(Status.SUBMITTED)
    return {"application": application, "session": session, "rules": rules, "agent": agent}


def test_the_guard_covers_the_workflow_governed_models():
    assert {model._meta.label for model in doors.service_written_models()} == SERVICE_WRITTEN


def test_a_write_outside_a_service_is_refused_and_inside_allowed():
    session = SessionFactory()
    session.capacity = 99
    with pytest.raises(doors.SideDoorWrite):
        session.save()
    with doors.service_write():
        session.save()


def form_data(form):
    """What a browser sends back for ``form`` unchanged: each field's current value, as its widget
    renders it."""
    data = {}
    for bound in form:
        if bound.field.disabled:
            continue
        value = bound.value()
        widget = bound.field.widget
        name = bound.html_name
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif isinstance(widget, forms.MultiWidget):
            values = widget.decompress(value) if not isinstance(value, list) else value
            for index, (sub, part) in enumerate(zip(widget.widgets, values, strict=False)):
                data[f"{name}_{index}"] = sub.format_value(part) or ""
        elif isinstance(widget, forms.SelectMultiple):
            data[name] = [str(v) for v in (value or [])]
        else:
            formatted = widget.format_value(value)
            data[name] = "" if formatted is None else formatted
    return data


def change_form_data(response):
    data = form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
        for inline_form in formset.forms:
            data.update(form_data(inline_form))
    data["_save"] = "Save"
    return data


def some_object(model_admin, world):
    return model_admin.get_queryset(_request(world)).order_by("pk").first()


def _request(world):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    return request


def snapshot():
    """What the services own, as it is: every row of every service-written model, and the events."""
    rows = {model._meta.label: list(model.objects.order_by("pk").values()) for model in doors.service_written_models()}
    rows["events"] = list(ApplicationEvent.objects.order_by("pk").values_list("pk", flat=True))
    return rows


@pytest.mark.parametrize("model_admin", REGISTERED, ids=label)
def test_every_admin_page_writes_only_through_the_services(model_admin, superuser_client, world):
    opts = model_admin.model._meta
    info = opts.app_label, opts.model_name
    assert superuser_client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200
    obj = some_object(model_admin, world)
    if obj is None:
        return
    change_url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
    page = superuser_client.get(change_url)
    assert page.status_code == 200
    before = snapshot()
    # The change page, submitted as it was loaded: nothing the services own may change.
    response = superuser_client.post(change_url, change_form_data(page))
    assert response.status_code in (200, 302, 403)
    if opts.label not in SERVICE_WRITTEN:
        assert snapshot() == before
    # Every action on this row (the delete action's confirmation included): through the services.
    for name in model_admin.get_actions(page.wsgi_request):
        superuser_client.post(
            reverse("admin:{}_{}_changelist".format(*info)),
            {"action": name, helpers.ACTION_CHECKBOX_NAME: [obj.pk], "post": "yes"},
        )


@pytest.mark.parametrize("model_admin", [m for m in REGISTERED if isinstance(m, SimpleHistoryAdmin)], ids=label)
def test_history_stays_readable_and_reverting_is_refused_for_service_written_models(
    model_admin, superuser_client, world
):
    opts = model_admin.model._meta
    info = opts.app_label, opts.model_name
    obj = some_object(model_admin, world)
    history = reverse("admin:{}_{}_history".format(*info), args=[obj.pk])
    assert superuser_client.get(history).status_code == 200
    versions = list(obj.history.order_by("history_id").values_list("history_id", flat=True))
    assert versions
    for version in versions:
        url = reverse("admin:{}_{}_simple_history".format(*info), args=[obj.pk, version])
        page = superuser_client.get(url)
        assert page.status_code == 200
        if opts.label in SERVICE_WRITTEN:
            assert isinstance(model_admin, WorkflowHistoryAdmin)
            assert page.context["revert_disabled"] and "Rétablir" not in page.content.decode()
            before = snapshot()
            assert superuser_client.post(url, form_data(page.context["adminform"].form)).status_code == 403
            assert snapshot() == before


def test_reverting_an_application_to_eligible_changes_nothing(staff_client, agent, world):
    """The walk-through's case: an invited application, reverted to its « Éligible » version."""
    application = world["application"]
    eligible = application.history.filter(status=Status.ELIGIBLE).earliest("history_id")
    url = reverse("admin:candidates_application_simple_history", args=[application.pk, eligible.history_id])
    events = application.events.count()

    response = staff_client.post(url, {"_save": "Rétablir"})

    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == Status.INVITED_TO_INTERVIEW
    assert application.events.count() == events


def service_written_model_forms():
    """Every model form class of the project for a service-written model (the admin's are built
    from these or from the model)."""
    for config in apps.get_app_configs():
        if config.name not in {"portal", "programmes", "candidates", "partners"}:
            continue
        for name in ("forms", "decision_forms", "session_forms", "centre.forms", "admin"):
            try:
                import_module(f"{config.name}.{name}")
            except ModuleNotFoundError:
                continue
    seen, stack = set(), list(forms.ModelForm.__subclasses__())
    while stack:
        form_class = stack.pop()
        stack.extend(form_class.__subclasses__())
        meta = getattr(form_class, "_meta", None)
        if form_class in seen or meta is None or meta.model is None:
            continue
        if not form_class.__module__.startswith(("portal.", "programmes.", "candidates.", "partners.")):
            continue
        if meta.model._meta.label in SERVICE_WRITTEN:
            seen.add(form_class)
    return sorted(seen, key=lambda f: f"{f.__module__}.{f.__qualname__}")


FORM_ARGUMENTS = {"user": lambda world: world["agent"]}


def test_no_model_form_of_a_service_written_model_saves_by_itself(world):
    found = service_written_model_forms()
    assert {f.__name__ for f in found} >= {"OutcomeForm", "SessionEditForm", "SessionCreateForm", "SessionAdminForm"}
    instances = {
        Application: world["application"],
        Appointment: world["application"].appointments.get(),
        Session: world["session"],
        EligibilityRuleSet: world["rules"],
    }
    for form_class in found:
        parameters = inspect.signature(form_class.__init__).parameters
        extra = {name: make(world) for name, make in FORM_ARGUMENTS.items() if name in parameters}
        form = form_class(instance=instances[form_class._meta.model], **extra)
        assert issubclass(form_class, ServiceModelForm), form_class
        with pytest.raises(TypeError, match="does not save"):
            form.save()


def test_the_appointment_admin_is_read_only(staff_client, world):
    appointment = world["application"].appointments.get()
    url = reverse("admin:candidates_appointment_change", args=[appointment.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"] and not page.context["has_delete_permission"]
    assert staff_client.post(url, {"outcome": "passed", "score": "20"}).status_code == 403
    assert staff_client.get(reverse("admin:candidates_appointment_add")).status_code == 403
    appointment.refresh_from_db()
    assert (appointment.outcome, appointment.score) == ("pending", None)


def test_recording_an_outcome_is_for_staff_of_the_application_only(world):
    appointment = AppointmentFactory(starts_at=timezone.now() - datetime.timedelta(hours=1))
    stranger = UserFactory()
    with pytest.raises(services.OutcomeNotAllowed):
        services.record_outcome(appointment, outcome="passed", actor=stranger)
    with pytest.raises(services.OutcomeNotAllowed):
        services.record_outcome(appointment, outcome="passed", actor=appointment.application.candidate)
    agent = world["agent"]
    services.record_outcome(appointment, outcome="passed", score=15, comment="Bien.", actor=agent)
    appointment.refresh_from_db()
    assert (appointment.outcome, appointment.score, appointment.recorded_by) == ("passed", 15, agent)
    assert appointment.recorded_at is not None
