import datetime

import factory
from django.utils import timezone

from portal.tests.factories import ServiceWrittenFactory, UserFactory, give_second_factor
from programmes.models import (
    EligibilityRuleSet,
    Programme,
    ProviderMembership,
    Session,
    Track,
    TrainingProvider,
    TrainingSite,
)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    season = "Saison 2 (2017-2018)"


class TrainingProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingProvider

    name = factory.Sequence(lambda n: f"Structure {n}")
    slug = factory.Sequence(lambda n: f"structure-{n}")
    kind = TrainingProvider.Kind.SOCIAL_ECONOMY_SCHOOL


class TrainingSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSite

    provider = factory.SubFactory(TrainingProviderFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    address = "4 rue de la Caravelle"
    postcode = "92390"
    commune = "Villeneuve-la-Garenne"
    departement = "92"
    in_qpv = True


class SessionFactory(ServiceWrittenFactory):
    """An open session: applications accepted today, starting in two months."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    site = factory.SubFactory(TrainingSiteFactory)
    name = factory.Sequence(lambda n: f"Développeur web — promotion {n}")
    track = Track.WEB_DEVELOPER
    applications_open_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    applications_close_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + datetime.timedelta(days=300))
    capacity = 12
    selection_steps = ["application", "test", "interview"]

    class Params:
        closed = factory.Trait(
            applications_open_on=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=40)),
            applications_close_on=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1)),
        )

    @factory.post_generation
    def _structure_in_programme(obj, create, extracted, **kwargs):
        """A structure running a programme's session belongs to the programme (as the migration and
        the demo have it): its staff may propose more sessions of it."""
        if create:
            obj.programme.training_providers.add(obj.site.provider_id)


class ProviderMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderMembership

    provider = factory.SubFactory(TrainingProviderFactory)
    user = factory.SubFactory(UserFactory)


def centre_staff(provider, *, second_factor=True, **kwargs):
    """A member of ``provider``'s team, with their second factor set up (mandatory for centre staff)
    unless ``second_factor=False``."""
    user = ProviderMembershipFactory(provider=provider, **kwargs).user
    if second_factor:
        give_second_factor(user)
    return user


class EligibilityRuleSetFactory(ServiceWrittenFactory):
    class Meta:
        model = EligibilityRuleSet

    programme = factory.SubFactory(ProgrammeFactory)
    version = 1
    is_current = True


def session_form_data(programme, site, **extra):
    """What the centre's « new session » form posts: a valid session of ``programme`` at ``site``."""
    today = timezone.localdate()
    return {
        "programme": programme.pk,
        "site": site.pk,
        "name": "Intégrateur web — Pantin",
        "track": "web_integrator",
        "rhythm": "full_time",
        "delivery": "on_site",
        "learner_status": "salaried",
        "starts_on": today + datetime.timedelta(days=90),
        "ends_on": today + datetime.timedelta(days=390),
        "hours_per_week": 35,
        "applications_open_on": today,
        "applications_close_on": today + datetime.timedelta(days=60),
        "capacity": 12,
        **extra,
    }
