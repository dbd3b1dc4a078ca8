import factory
from django.conf import settings
from django.contrib.auth.models import Group

from portal import doors
from portal.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password("motdepasse-solide-2017")

    class Params:
        municipal_staff = factory.Trait(is_staff=True)

    @factory.post_generation
    def _municipal_group(obj, create, extracted, **kwargs):
        if create and obj.is_staff and not obj.is_superuser:
            group, _ = Group.objects.get_or_create(name=settings.MUNICIPAL_STAFF_GROUP)
            obj.groups.add(group)


def municipal_staff(**kwargs):
    return UserFactory(municipal_staff=True, **kwargs)


class ServiceWrittenFactory(factory.django.DjangoModelFactory):
    """A factory of a model that only its service writes (portal.doors): the row it makes stands
    for what the service wrote earlier (the state a test starts from), so it is written through
    the door."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with doors.service_write():
            return super()._create(model_class, *args, **kwargs)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        with doors.service_write():
            super()._after_postgeneration(instance, create, results)
