import datetime

import factory

from partners.models import Charter, CharterSignature, Commitment, PartnerCompany, PartnerMembership
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
