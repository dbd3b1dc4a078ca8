import datetime

import factory
from django.utils import timezone

from candidates import seats
from candidates.models import (
    AdviserMembership,
    AdviserOrganisation,
    Application,
    ApplicationDocument,
    Appointment,
    CandidateProfile,
    OrganisationKind,
    Screening,
    Support,
    TraineeFollowUp,
)
from candidates.tests.samples import PDF
from candidates.workflow import SEAT_COUNTERS, UNSENT_STATUSES, Status
from portal.tests.factories import ServiceWrittenFactory, UserFactory
from programmes.models import QualificationLevel
from programmes.tests.factories import SessionFactory


class CandidateProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CandidateProfile

    user = factory.SubFactory(UserFactory)
    birth_date = datetime.date(1998, 5, 17)
    gender = CandidateProfile.Gender.WOMAN
    postcode = "93500"
    commune = "Pantin"
    lives_in_qpv = True
    is_job_seeker = True
    job_seeker_since = datetime.date(2016, 9, 1)
    qualification_level = QualificationLevel.LEVEL_4
    receives_rsa = False
    has_rqth = False
    phone = "06 12 34 56 78"
    privacy_consent_at = factory.LazyFunction(timezone.now)


def candidate(**kwargs):
    """A user with a complete candidate profile."""
    return CandidateProfileFactory(**kwargs).user


class ApplicationFactory(ServiceWrittenFactory):
    """An application; traits put it in a status the way the workflow would have."""

    class Meta:
        model = Application

    candidate = factory.LazyFunction(candidate)
    session = factory.SubFactory(SessionFactory)
    status = Status.DRAFT
    motivation = "Je veux devenir développeuse web pour travailler dans une entreprise de mon quartier."

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        application = super()._create(model_class, *args, **kwargs)
        if application.status in SEAT_COUNTERS:
            # Made directly, not moved by the workflow: the session's seat figures follow, as the
            # workflow service would have kept them.
            seats.recount([application.session_id])
            application.session.refresh_from_db(fields=seats.FIGURES)
        return application

    class Params:
        submitted = factory.Trait(status=Status.SUBMITTED, submitted_at=factory.LazyFunction(timezone.now))
        eligible = factory.Trait(
            status=Status.ELIGIBLE, submitted_at=factory.LazyFunction(timezone.now), screening_outcome="eligible"
        )
        waitlisted = factory.Trait(
            status=Status.WAITLISTED,
            submitted_at=factory.LazyFunction(timezone.now),
            screening_outcome="eligible",
            waitlisted_at=factory.LazyFunction(timezone.now),
        )
        seat_offered = factory.Trait(
            status=Status.SEAT_OFFERED,
            submitted_at=factory.LazyFunction(timezone.now),
            screening_outcome="eligible",
            offer_expires_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7)),
        )
        seat_accepted = factory.Trait(
            status=Status.SEAT_ACCEPTED, submitted_at=factory.LazyFunction(timezone.now), screening_outcome="eligible"
        )
        enrolled = factory.Trait(
            status=Status.ENROLLED, submitted_at=factory.LazyFunction(timezone.now), screening_outcome="eligible"
        )


def application_in(status, **kwargs):
    """An application already in ``status``, with the fields that status requires (submission
    date, offer deadline, screening outcome) — as the workflow would have left it."""
    status = Status(status)
    now = timezone.now()
    defaults = {"status": status}
    if status not in UNSENT_STATUSES:
        defaults["submitted_at"] = now
    if status in {Status.ELIGIBLE} | {s for s in Status if s.value.startswith(("invited", "seat", "waitlist"))}:
        defaults["screening_outcome"] = "eligible"
    if status == Status.NOT_ELIGIBLE:
        defaults["screening_outcome"] = "not_eligible"
    if status == Status.SEAT_OFFERED:
        defaults["offer_expires_at"] = now + datetime.timedelta(days=7)
    if status == Status.WAITLISTED:
        defaults["waitlisted_at"] = now
    defaults.update(kwargs)
    return ApplicationFactory(**defaults)


class AppointmentFactory(ServiceWrittenFactory):
    """A test three days ahead, as candidates.services.invite() leaves it."""

    class Meta:
        model = Appointment

    application = factory.SubFactory(ApplicationFactory, status=Status.INVITED_TO_TEST, submitted_at=timezone.now())
    kind = Appointment.Kind.TEST
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    place = "4 rue de la Caravelle, Villeneuve-la-Garenne"


class ApplicationDocumentFactory(factory.django.DjangoModelFactory):
    """A small valid PDF CV in private storage."""

    class Meta:
        model = ApplicationDocument

    application = factory.SubFactory(ApplicationFactory)
    kind = ApplicationDocument.Kind.CV
    file = factory.django.FileField(filename="cv.pdf", data=PDF)
    original_name = "cv.pdf"
    content_type = "application/pdf"
    size = len(PDF)


def ready_to_send(**kwargs):
    """A draft at its last step with everything needed to send it (profile, motivation, a CV)."""
    application = ApplicationFactory(draft_step="review", **kwargs)
    ApplicationDocumentFactory(application=application)
    return application


class ScreeningFactory(factory.django.DjangoModelFactory):
    """A stored screening, its criteria in the shape the screening service writes them."""

    class Meta:
        model = Screening
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory, submitted=True)
    rule_set = factory.SubFactory(
        "programmes.tests.factories.EligibilityRuleSetFactory",
        programme=factory.SelfAttribute("..application.session.programme"),
        version=factory.Sequence(lambda n: n + 1),
        is_current=False,
    )
    inputs = factory.LazyFunction(dict)
    criteria = factory.LazyFunction(list)
    outcome = "eligible"

    @factory.post_generation
    def make_current(obj, create, extracted, **kwargs):
        if create:
            Application.objects.filter(pk=obj.application_id).update(current_screening=obj)
            obj.application.current_screening = obj


def criterion(code, status, reason_code, *, fr, en, needs=()):
    return {
        "code": code,
        "status": status,
        "reason_code": reason_code,
        "params": {},
        "needs": list(needs),
        "message_fr": fr,
        "message_en": en,
    }


# --- Advisers ---------------------------------------------------------------------------------


class AdviserOrganisationFactory(factory.django.DjangoModelFactory):
    """A Mission locale, habilitée unless said otherwise."""

    class Meta:
        model = AdviserOrganisation

    name = factory.Sequence(lambda n: f"Mission locale n° {n}")
    kind = OrganisationKind.MISSION_LOCALE
    postcode = "93500"
    commune = "Pantin"
    email = factory.Sequence(lambda n: f"contact{n}@mission-locale.example.org")
    is_habilitated = True
    habilitated_at = factory.LazyAttribute(lambda o: timezone.now() if o.is_habilitated else None)


class AdviserMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdviserMembership

    organisation = factory.SubFactory(AdviserOrganisationFactory)
    user = factory.SubFactory(UserFactory)


def adviser(organisation=None, **kwargs):
    """A member of ``organisation`` (a new habilitée Mission locale by default)."""
    organisation = organisation or AdviserOrganisationFactory()
    return AdviserMembershipFactory(organisation=organisation, **kwargs).user


class SupportFactory(factory.django.DjangoModelFactory):
    """The organisation supports the person, who gave their accord (``pending=True``: not yet)."""

    class Meta:
        model = Support

    organisation = factory.SubFactory(AdviserOrganisationFactory)
    person = factory.LazyFunction(candidate)
    created_account = True
    consented_at = factory.LazyFunction(timezone.now)

    class Params:
        pending = factory.Trait(consented_at=None)


def oriented_application(status=Status.DRAFT, *, organisation=None, by=None, **kwargs):
    """An application in ``status`` prepared by ``by`` (an adviser of ``organisation``), whose
    person lets the organisation follow them."""
    organisation = organisation or (by.adviser_memberships.first().organisation if by else AdviserOrganisationFactory())
    by = by or adviser(organisation)
    application = application_in(status, oriented_by=organisation, prepared_by=by, **kwargs)
    Support.objects.get_or_create(
        organisation=organisation,
        person=application.candidate,
        withdrawn_at=None,
        defaults={"referent": by, "created_by": by, "created_account": True, "consented_at": timezone.now()},
    )
    return application


class TraineeFollowUpFactory(ServiceWrittenFactory):
    """An enrolled trainee's follow-up as the workflow opens it at enrolment (entry situation from
    the profile); traits for what was recorded after."""

    class Meta:
        model = TraineeFollowUp

    application = factory.SubFactory(ApplicationFactory, enrolled=True)
    entered_on = factory.LazyAttribute(lambda o: o.application.session.starts_on)
    gender = CandidateProfile.Gender.WOMAN
    age_band = "25_29"
    qualification_level = QualificationLevel.LEVEL_4
    entry_situation = "job_seeking"

    class Params:
        completed_training = factory.Trait(
            completed=True,
            qualification="obtained",
            exit_situation="employed",
            exit_source="centre",
            exit_recorded_at=factory.LazyFunction(timezone.now),
        )
