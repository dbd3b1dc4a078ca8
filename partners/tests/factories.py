import datetime

import factory
from django.utils import timezone

from candidates.tests.factories import ApplicationFactory, candidate
from partners.models import (
    Charter,
    CharterSignature,
    Commitment,
    Interest,
    Opportunity,
    OpportunityTrack,
    PartnerCompany,
    PartnerMembership,
)
from portal.tests.factories import UserFactory
from programmes.tests.factories import ProgrammeFactory


class PartnerCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerCompany

    name = factory.Sequence(lambda n: f"Entreprise {n}")
    slug = factory.Sequence(lambda n: f"entreprise-{n}")


class PartnerMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMembership

    company = factory.SubFactory(PartnerCompanyFactory)
    user = factory.SubFactory(UserFactory)


class CharterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Charter

    programme = factory.SubFactory(ProgrammeFactory)
    season = factory.Sequence(lambda n: f"Saison {n}")
    title = factory.Sequence(lambda n: f"Charte partenaires {n}")
    slug = factory.Sequence(lambda n: f"charte-{n}")
    text_fr = "Les signataires s'engagent à accueillir des apprenants."
    signed_on = datetime.date(2017, 9, 27)


class CharterSignatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CharterSignature

    charter = factory.SubFactory(CharterFactory)
    company = factory.SubFactory(PartnerCompanyFactory)
    signatory_name = "Claire Martin"
    signed_on = datetime.date(2017, 9, 27)


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    signature = factory.SubFactory(CharterSignatureFactory)
    kind = Commitment.Kind.INTERNSHIP
    quantity_promised = 5


class OpportunityFactory(factory.django.DjangoModelFactory):
    """A discovery day in three weeks, open for interest for two more weeks."""

    class Meta:
        model = Opportunity
        skip_postgeneration_save = True

    company = factory.SubFactory(PartnerCompanyFactory)
    kind = Commitment.Kind.DISCOVERY_DAY
    title = factory.Sequence(lambda n: f"Journée découverte {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=21))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on)
    apply_by = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
    places = 10
    location = "Issy-les-Moulineaux"

    class Params:
        past_deadline = factory.Trait(
            apply_by=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
        )

    @factory.post_generation
    def sessions(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.sessions.set(extracted)

    @factory.post_generation
    def tracks(obj, create, extracted, **kwargs):
        if create and extracted:
            OpportunityTrack.objects.bulk_create([OpportunityTrack(opportunity=obj, track=t) for t in extracted])


class InterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interest

    opportunity = factory.SubFactory(OpportunityFactory)
    candidate = factory.LazyFunction(candidate)

    class Params:
        taken = factory.Trait(status=Interest.Status.TAKEN, decided_at=factory.LazyFunction(timezone.now))


def partner_member(company=None, **kwargs):
    """A user who belongs to a partner company."""
    if company is not None:
        kwargs["company"] = company
    return PartnerMembershipFactory(**kwargs).user


def enrolled_trainee(session, **kwargs):
    """A candidate enrolled in the session (seen as admitted by the partners' pages)."""
    return ApplicationFactory(session=session, enrolled=True, **kwargs).candidate
