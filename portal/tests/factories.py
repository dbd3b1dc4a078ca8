import factory
from django.conf import settings
from django.contrib.auth.models import Group

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
