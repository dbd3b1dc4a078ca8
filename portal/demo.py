"""Demo data, the infrastructure's part and the helpers of every app's demo module.

``python manage.py load_demo`` runs the ``demo`` module of every installed app, in INSTALLED_APPS
order (portal, programmes, candidates, partners: each app's rows build on the apps below it). Each
module's ``load()`` writes its rows and returns its demo accounts; ``candidates.demo`` also adds
synthetic candidates (``--candidates N``). The real programmes, structures, sites and partners come
from the sources (see shared/DOMAIN.md); sessions are dated around today so that the demo is always
useful.

Everything is written with ``upsert`` on natural keys, so loading can run any number of times and
leaves the same rows. Here: the municipal staff's and the superuser's accounts.
"""

import datetime
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from portal.identity.policy import requires_second_factor
from portal.models import User

DEMO_PASSWORD = "demo-portail-2026"  # noqa: S105 — set only when DEBUG is on
# The demo staff accounts' authenticator-app secret (base32), also only when DEBUG is on.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
DEMO_DOMAIN = "demo.example.org"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    first_name: str
    last_name: str
    what_to_try: str


ACCOUNTS = {
    "municipal_staff": DemoAccount(
        "Municipal staff",
        f"agent@{DEMO_DOMAIN}",
        "Claire",
        "Dubois",
        "/admin/: review applications, figures",
    ),
    "superuser": DemoAccount("Superuser", f"admin@{DEMO_DOMAIN}", "Admin", "Portail", "/admin/: everything"),
}


def upsert(model, *, defaults, create_defaults=None, **lookup):
    """Like ``update_or_create``, but saves only when a value differs: a second run changes
    nothing, not even the history tables or ``updated_at``."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **defaults, **(create_defaults or {})), True
    changed = [field for field, value in defaults.items() if getattr(obj, field) != value]
    for field in changed:
        setattr(obj, field, defaults[field])
    if changed:
        obj.save(update_fields=changed)
    return obj, False


def today():
    return timezone.localdate()


def school_year(on):
    """The 1 September – 31 August year containing ``on``."""
    start_year = on.year if on.month >= 9 else on.year - 1
    return datetime.date(start_year, 9, 1), datetime.date(start_year + 1, 8, 31)


def add_months(day, months):
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return datetime.date(year, month, min(day.day, 28))


def account(spec, **extra):
    """The demo account ``spec`` (a DemoAccount), its password set only in development."""
    user, _ = upsert(
        User,
        email=spec.email,
        defaults={"first_name": spec.first_name, "last_name": spec.last_name, "is_active": True, **extra},
    )
    if settings.DEBUG:
        user.set_password(DEMO_PASSWORD)
    else:
        # Outside development nobody may log in with a published password.
        user.set_unusable_password()
    user.save(update_fields=["password"])
    upsert(EmailAddress, user=user, email=spec.email, defaults={"verified": True, "primary": True})
    return user


def load():
    """The municipal staff's and the superuser's accounts."""
    municipal = account(ACCOUNTS["municipal_staff"], is_staff=True, is_superuser=False)
    group, _ = Group.objects.get_or_create(name=settings.MUNICIPAL_STAFF_GROUP)
    municipal.groups.add(group)
    account(ACCOUNTS["superuser"], is_staff=True, is_superuser=True)
    return ACCOUNTS


def second_factor(spec):
    """Staff must have a second factor: in development, the demo staff accounts share a published
    authenticator secret (printed by load_demo, like the password); outside development, none. Run
    once every app's demo has given the accounts their roles."""
    user = User.objects.get(email=spec.email)
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    if settings.DEBUG and requires_second_factor(user):
        TOTP.activate(user, DEMO_TOTP_SECRET)
