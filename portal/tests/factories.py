import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings
from django.contrib.auth.models import Group

from portal import doors
from portal.models import User


def give_second_factor(user):
    """An authenticator app (TOTP) for ``user``, as if they had set it up; returns its secret (to
    compute real codes with ``allauth.mfa.totp.internal.auth.hotp_value``)."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        from allauth.mfa.utils import decrypt

        return decrypt(existing.data["secret"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def current_totp_code(secret, *, period=30, margin=5):
    """The code an authenticator app shows now for ``secret`` (RFC 6238, as allauth checks it).

    allauth accepts only the current period's code (``MFA_TOTP_TOLERANCE`` 0): a code read in the
    last seconds of its period may be stale by the time a browser test has typed and sent it, so
    within ``margin`` seconds of the end this waits for the next period, as a person would."""
    import time

    left = period - time.time() % period
    if left < margin:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


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

    @factory.post_generation
    def second_factor(obj, create, extracted, **kwargs):
        """Staff have set up their second factor, as they must (portal.identity.policy);
        ``second_factor=False`` gives one who has not, ``True`` gives one to anybody."""
        wanted = extracted if extracted is not None else obj.is_staff or obj.is_superuser
        if create and wanted:
            give_second_factor(obj)


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
