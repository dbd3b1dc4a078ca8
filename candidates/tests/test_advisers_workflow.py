"""The adviser in the workflow table: who holds the role (a current member of the organisation
that prepared the application, for a person who did not withdraw its access), what it allows,
and the screening that reads an habilitée organisation's attestations."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from candidates import screening, services
from candidates.advisers import attestations
from candidates.advisers import services as adviser_services
from candidates.models import CriterionVerification, Support
from candidates.tests.factories import AdviserOrganisationFactory, adviser, oriented_application
from candidates.workflow import Actor, Status
from programmes.models import EligibilityRuleSet
from programmes.rules import save_new_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def prepared():
    """A draft that an adviser of a Mission locale prepared with a person who lets it follow them."""
    organisation = AdviserOrganisationFactory(name="Mission locale de Pantin")
    karim = adviser(organisation, user__first_name="Karim", user__last_name="Haddad")
    return oriented_application(Status.DRAFT, organisation=organisation, by=karim), karim


def test_the_adviser_acts_in_their_role_and_the_history_says_so(prepared):
    application, karim = prepared
    assert services.roles_of(karim, application) == {Actor.ADVISER}
    result = services.transition(application, "request_confirmation", actor=karim)
    assert (result.event.actor, result.event.actor_role) == (karim, Actor.ADVISER)
    assert application.status == Status.AWAITING_CONFIRMATION and application.submitted_at is None


def test_an_adviser_of_another_organisation_holds_no_role(prepared):
    application, _karim = prepared
    stranger = adviser(AdviserOrganisationFactory())
    assert services.roles_of(stranger, application) == set()
    with pytest.raises(services.TransitionNotAllowed):
        services.transition(application, "request_confirmation", actor=stranger)


def test_a_member_who_left_loses_the_role_at_once(prepared):
    application, karim = prepared
    adviser_services.remove_member(karim.adviser_memberships.get(), actor=karim)
    assert services.roles_of(karim, application) == set()
    assert Support.objects.get(person=application.candidate).referent is None


def test_a_withdrawn_access_removes_the_role(prepared):
    application, karim = prepared
    Support.objects.filter(person=application.candidate).update(withdrawn_at=timezone.now())
    assert services.roles_of(karim, application) == set()


def test_the_person_is_only_a_candidate_and_confirms(prepared, django_capture_on_commit_callbacks, monkeypatch):
    application, karim = prepared
    services.transition(application, "request_confirmation", actor=karim)
    screened = []
    monkeypatch.setattr(screening, "screen", lambda pk, **kw: screened.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "confirm", actor=application.candidate)
    assert application.status == Status.SUBMITTED and application.submitted_at is not None
    assert screened == [application.pk]  # screened only once the person confirmed


def test_nothing_awaiting_the_persons_accord_is_screened(prepared):
    application, karim = prepared
    services.transition(application, "request_confirmation", actor=karim)
    assert screening.screen(application.pk) is None
    application.refresh_from_db()
    assert application.status == Status.AWAITING_CONFIRMATION and application.current_screening is None


# --- Attestations in the screening ------------------------------------------------------------


@pytest.fixture
def submitted(prepared):
    """The prepared application, sent; its programme asks for 6 months of job seeker registration."""
    application, karim = prepared
    save_new_version(
        EligibilityRuleSet(programme=application.session.programme, job_seeker_required=True, min_job_seeker_months=6),
        actor=None,
    )
    services.transition(application, "request_confirmation", actor=karim)
    services.transition(application, "confirm", actor=application.candidate)
    screening.screen(application.pk)
    application.refresh_from_db()
    assert application.status == Status.TO_BE_CHECKED  # the France Travail certificate is needed
    return application, karim


def attest(application, karim, *criteria):
    support = Support.objects.get(person=application.candidate)
    return attestations.attest(
        support, criteria=criteria or ["job_seeker"], comment="Dossier FT consulté", adviser=karim
    )


def test_an_attestation_counts_as_verified_with_its_attester_and_date(submitted):
    application, karim = submitted
    attest(application, karim)
    current = screening.screen(application.pk)
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE
    job_seeker = next(c for c in current.criteria if c["code"] == "job_seeker")
    assert job_seeker["reason_code"] == "attested"
    assert job_seeker["params"]["organisation"] == "Mission locale de Pantin"
    assert job_seeker["params"]["adviser"] == "Karim Haddad"
    assert job_seeker["params"]["date"] == f"{timezone.localdate():%d/%m/%Y}"
    assert current.inputs["answers"]["attestations"]["job_seeker"]["organisation"] == "Mission locale de Pantin"


def test_a_non_habilitated_organisation_cannot_attest(submitted):
    application, karim = submitted
    application.oriented_by.is_habilitated = False
    application.oriented_by.habilitated_at = None
    application.oriented_by.save()
    with pytest.raises(PermissionDenied):
        attest(application, karim)
    assert not CriterionVerification.objects.exists()


def test_an_expired_attestation_no_longer_counts_and_the_beat_screens_again(submitted):
    application, karim = submitted
    attest(application, karim)
    screening.screen(application.pk)
    CriterionVerification.objects.update(expires_at=timezone.now() - datetime.timedelta(hours=1))
    assert attestations.rescreen_lapsed() == 1
    application.refresh_from_db()
    assert application.status == Status.TO_BE_CHECKED
    assert "attestations" not in application.current_screening.inputs["answers"]


def test_withdrawing_the_habilitation_voids_its_attestations(submitted, agent, django_capture_on_commit_callbacks):
    application, karim = submitted
    attest(application, karim)
    screening.screen(application.pk)
    with django_capture_on_commit_callbacks(execute=True):
        attestations.set_habilitation(application.oriented_by, habilitated=False, actor=agent)
    application.refresh_from_db()
    assert application.status == Status.TO_BE_CHECKED


def test_a_later_staff_rejection_wins_over_an_attestation(submitted, agent):
    application, karim = submitted
    attest(application, karim)
    screening.verify_criterion(
        application, criterion="job_seeker", decision="rejected", comment="Radié le mois dernier", actor=agent
    )
    application.refresh_from_db()
    assert application.status == Status.NOT_ELIGIBLE
