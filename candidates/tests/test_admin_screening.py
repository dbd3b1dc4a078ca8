"""Screening in the admin: the application's screenings, the staff verification form, the runs."""

import datetime

import pytest
from django.urls import reverse

from candidates import screening
from candidates.models import CriterionVerification, RescreeningRun, Screening
from candidates.tests.factories import ApplicationFactory, candidate
from candidates.workflow import Status
from portal.tests.factories import UserFactory, give_second_factor
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory, centre_staff

pytestmark = pytest.mark.django_db

ADD = reverse("admin:candidates_criterionverification_add")


@pytest.fixture
def to_check():
    """An application screened "to be checked": 12 months of registration declared, not proven."""
    start = datetime.date(2026, 9, 1)
    session = SessionFactory(starts_on=start, ends_on=start + datetime.timedelta(days=300))
    EligibilityRuleSetFactory(programme=session.programme, job_seeker_required=True, min_job_seeker_months=12)
    application = ApplicationFactory(session=session, submitted=True)
    screening.screen(application.pk)
    application.refresh_from_db()
    assert application.status == Status.TO_BE_CHECKED
    return application


def test_application_page_lists_screenings_with_a_link_to_verify(staff_client, to_check):
    response = staff_client.get(reverse("admin:candidates_application_change", args=[to_check.pk]))
    content = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200
    assert "Vérifications d'éligibilité (historique)" in content
    assert "besoin de votre attestation d'inscription" in content
    assert f"{ADD}?application={to_check.pk}&amp;criterion=job_seeker" in content
    assert "Contrôles des critères par l'équipe" in content


def test_verification_form_is_prefilled_and_records_a_new_screening(staff_client, agent, to_check):
    page = staff_client.get(ADD, {"application": to_check.pk, "criterion": "job_seeker"})
    assert page.status_code == 200
    assert page.context["adminform"].form.initial["criterion"] == "job_seeker"

    response = staff_client.post(
        ADD,
        {"application": to_check.pk, "criterion": "job_seeker", "decision": "verified", "comment": "Attestation vue."},
    )

    assert response.status_code == 302
    assert response.url == reverse("admin:candidates_application_change", args=[to_check.pk])
    verification = CriterionVerification.objects.get()
    assert (verification.verified_by, verification.comment) == (agent, "Attestation vue.")
    to_check.refresh_from_db()
    assert to_check.status == Status.ELIGIBLE
    assert verification.screening == to_check.current_screening
    assert Screening.objects.filter(application=to_check).count() == 2


def test_verification_errors_are_tied_to_their_fields_and_keep_the_input(staff_client, to_check):
    response = staff_client.post(
        ADD, {"application": to_check.pk, "criterion": "job_seeker", "decision": "", "comment": "  "}
    )
    form = response.context["adminform"].form
    assert response.status_code == 200
    assert set(form.errors) >= {"decision", "comment"}
    assert form["criterion"].value() == "job_seeker"
    assert not CriterionVerification.objects.exists()


def test_verification_of_an_application_past_screening_is_refused(staff_client):
    application = ApplicationFactory(waitlisted=True)
    response = staff_client.post(
        ADD, {"application": application.pk, "criterion": "age", "decision": "verified", "comment": "Pièce d'identité."}
    )
    assert "application" in response.context["adminform"].form.errors
    assert not CriterionVerification.objects.exists()


def test_verifications_and_screenings_are_records_not_editable(staff_client, to_check):
    current = to_check.current_screening
    assert staff_client.get(reverse("admin:candidates_screening_change", args=[current.pk])).status_code == 200
    assert staff_client.post(reverse("admin:candidates_screening_delete", args=[current.pk])).status_code == 403
    assert staff_client.get(reverse("admin:candidates_screening_add")).status_code == 403


def test_who_reaches_the_verification_form(client, to_check):
    for user in (None, to_check.candidate, candidate(), centre_staff(to_check.session.site.provider)):
        client.logout()
        if user:
            client.force_login(user)
        response = client.get(ADD, {"application": to_check.pk})
        assert response.status_code == 302 and "/admin/login/" in response.url
    other_staff = UserFactory()
    other_staff.is_staff = True
    other_staff.save()
    give_second_factor(other_staff)
    client.force_login(other_staff)
    assert client.get(ADD).status_code == 403
    assert (
        client.post(
            ADD, {"application": to_check.pk, "criterion": "age", "decision": "verified", "comment": "x"}
        ).status_code
        == 403
    )
    assert not CriterionVerification.objects.exists()


def test_rescreening_runs_are_listed_with_their_progress(staff_client, to_check):
    RescreeningRun.objects.create(programme=to_check.session.programme, total=200, processed=50, state="running")
    response = staff_client.get(reverse("admin:candidates_rescreeningrun_changelist"))
    assert response.status_code == 200
    assert 'value="25"' in response.content.decode()
