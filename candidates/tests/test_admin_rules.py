"""Eligibility rules in the admin: every save is a new version; the re-screening action."""

import pytest
from django.urls import reverse

from candidates.models import RescreeningRun
from candidates.tests.factories import ApplicationFactory, candidate
from portal.tests.factories import UserFactory, give_second_factor, municipal_staff
from programmes.models import EligibilityRuleSet
from programmes.tests.factories import EligibilityRuleSetFactory, ProgrammeFactory, SessionFactory, centre_staff

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:programmes_eligibilityruleset_changelist")
ADD = reverse("admin:programmes_eligibilityruleset_add")


@pytest.fixture
def agent():
    return municipal_staff()


@pytest.fixture
def staff_client(client, agent):
    client.force_login(agent)
    return client


def form_data(programme, **overrides):
    data = {
        "programme": programme.pk,
        "session": "",
        "min_age": "18",
        "max_age": "25",
        "max_qualification_level": "4",
        "job_seeker_required": "on",
        "min_job_seeker_months": "12",
        "departements": "92, 93 ,95",
        "communes": "Pantin\nVilleneuve-la-Garenne\n",
        "qpv_policy": "priority",
        "weight_women": "10",
        "weight_qpv_residents": "15",
        "weight_rqth": "",
        "comment": "Saison 2 : règles votées en conseil.",
    }
    return {**data, **overrides}


def test_adding_rules_saves_version_1_with_plain_fields(staff_client, agent):
    programme = ProgrammeFactory()
    response = staff_client.post(ADD, form_data(programme))
    assert response.status_code == 302, response.context["adminform"].form.errors
    rule_set = EligibilityRuleSet.objects.get(programme=programme)
    assert (rule_set.version, rule_set.is_current, rule_set.created_by) == (1, True, agent)
    assert rule_set.allowed_departements == ["92", "93", "95"]
    assert rule_set.allowed_communes == ["Pantin", "Villeneuve-la-Garenne"]
    assert rule_set.priority_weights == {"women": 10, "qpv_residents": 15}


def test_editing_saves_a_new_version_and_keeps_the_old_one(staff_client, agent):
    first = EligibilityRuleSetFactory(max_age=25, comment="v1")
    change = reverse("admin:programmes_eligibilityruleset_change", args=[first.pk])
    page = staff_client.get(change)
    assert page.context["adminform"].form.initial["comment"] == ""

    response = staff_client.post(change, form_data(first.programme, max_age="24", comment="Moins de 25 ans."))

    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.version, first.is_current, first.max_age, first.comment) == (1, False, 25, "v1")
    second = EligibilityRuleSet.objects.get(programme=first.programme, is_current=True)
    assert (second.version, second.max_age, second.comment, second.created_by) == (2, 24, "Moins de 25 ans.", agent)
    assert second.history.get().history_user == agent
    assert EligibilityRuleSet.objects.current_for(SessionFactory(programme=first.programme)) == second


def test_a_session_override_has_its_own_versions(staff_client):
    session = SessionFactory()
    EligibilityRuleSetFactory(programme=session.programme)
    for _ in range(2):
        response = staff_client.post(ADD, form_data(session.programme, session=session.pk, max_age="30"))
        assert response.status_code == 302
    override = EligibilityRuleSet.objects.current_for(session)
    assert (override.session, override.version, override.max_age) == (session, 2, 30)
    assert (
        EligibilityRuleSet.objects.filter(programme=session.programme, session__isnull=True, is_current=True).count()
        == 1
    )


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"departements": "92, 999"}, "departements", "999"),
        ({"min_age": "30", "max_age": "25"}, "max_age", "supérieur ou égal"),
        ({"weight_women": "-5"}, "weight_women", ""),
        ({"comment": ""}, "comment", ""),
        ({"job_seeker_required": ""}, "job_seeker_required", "durée minimale"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_kept(staff_client, overrides, field, text):
    programme = ProgrammeFactory()
    response = staff_client.post(ADD, form_data(programme, **overrides))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field in form.errors and text in " ".join(form.errors[field])
    assert form["communes"].value() == "Pantin\nVilleneuve-la-Garenne\n"
    assert not EligibilityRuleSet.objects.exists()


def test_the_session_must_belong_to_the_programme(staff_client):
    response = staff_client.post(ADD, form_data(ProgrammeFactory(), session=SessionFactory().pk))
    assert "session" in response.context["adminform"].form.errors


def test_versions_are_never_deleted(staff_client):
    rule_set = EligibilityRuleSetFactory()
    assert (
        staff_client.get(reverse("admin:programmes_eligibilityruleset_delete", args=[rule_set.pk])).status_code == 403
    )


def test_who_reaches_the_rules(client):
    rule_set = EligibilityRuleSetFactory()
    change = reverse("admin:programmes_eligibilityruleset_change", args=[rule_set.pk])
    application = ApplicationFactory()
    for user in (None, application.candidate, candidate(), centre_staff(application.session.site.provider)):
        client.logout()
        if user:
            client.force_login(user)
        for url in (CHANGELIST, change):
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response.url
    other_staff = UserFactory()
    other_staff.is_staff = True
    other_staff.save()
    give_second_factor(other_staff)
    client.force_login(other_staff)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change).status_code == 403


def test_rescreen_action_starts_a_run_per_programme(staff_client, agent, django_capture_on_commit_callbacks):
    session = SessionFactory()
    rule_set = EligibilityRuleSetFactory(programme=session.programme, min_age=18)
    override = EligibilityRuleSetFactory(programme=session.programme, session=session, min_age=20)
    application = ApplicationFactory(session=session, submitted=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            CHANGELIST,
            {"action": "rescreen_open_applications", "_selected_action": [rule_set.pk, override.pk]},
            follow=True,
        )

    run = RescreeningRun.objects.get()
    assert (run.programme, run.requested_by, run.state, run.processed) == (session.programme, agent, "done", 1)
    assert "suivre l&#x27;avancement" in response.content.decode() or "suivre l'avancement" in response.content.decode()
    application.refresh_from_db()
    assert application.current_screening.rule_set == override
    progress = staff_client.get(reverse("admin:candidates_rescreeningrun_change", args=[run.pk]))
    assert progress.status_code == 200 and 'value="100"' in progress.content.decode()
