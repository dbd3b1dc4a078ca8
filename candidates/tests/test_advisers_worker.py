"""A real Celery worker on Redis: a person confirms what their adviser prepared, the screening
finds the France Travail registration to check; the habilitée organisation's adviser attests it,
and the screening the attestation enqueues (after commit) finds the application eligible, with the
attester and the date in the dated screening."""

import pytest
from django.utils import timezone

from candidates import services
from candidates.advisers import attestations
from candidates.models import Screening, Support
from candidates.tests.factories import AdviserOrganisationFactory, adviser, oriented_application
from candidates.workflow import Status
from programmes.models import EligibilityRuleSet
from programmes.rules import save_new_version

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_real_worker_screens_again_after_an_attestation(require_redis, celery_worker_process):
    organisation = AdviserOrganisationFactory(name="France Travail Paris 20e", kind="france_travail")
    karim = adviser(organisation, user__first_name="Karim", user__last_name="Haddad")
    application = oriented_application(Status.DRAFT, organisation=organisation, by=karim)
    save_new_version(
        EligibilityRuleSet(programme=application.session.programme, job_seeker_required=True, min_job_seeker_months=6),
        actor=None,
    )
    services.transition(application, "request_confirmation", actor=karim)
    # Autocommit: the confirmation commits, then screen_application goes to Redis.
    services.transition(application, "confirm", actor=application.candidate)
    celery_worker_process.wait_until(
        lambda: Screening.objects.filter(application=application).exists(), message="no screening after the accord"
    )
    application.refresh_from_db()
    assert application.status == Status.TO_BE_CHECKED

    attestations.attest(
        Support.objects.get(person=application.candidate),
        criteria=["job_seeker"],
        comment="Dossier France Travail consulté",
        adviser=karim,
    )
    celery_worker_process.wait_until(
        lambda: Screening.objects.filter(application=application).count() == 2,
        message="the attestation was not followed by a screening",
    )
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE
    job_seeker = next(c for c in application.current_screening.criteria if c["code"] == "job_seeker")
    assert job_seeker["reason_code"] == "attested"
    assert job_seeker["params"]["organisation"] == "France Travail Paris 20e"
    assert job_seeker["params"]["adviser"] == "Karim Haddad"
    assert job_seeker["params"]["date"] == f"{timezone.localdate():%d/%m/%Y}"
