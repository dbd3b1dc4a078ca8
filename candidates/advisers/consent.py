"""The person's side of being supported: their accord (from the emailed link or with the code of
the printable sheet), claiming the account an adviser opened for them, and withdrawing the
organisation's access at any time.

The accord is to being supported; each application an adviser prepared still waits for the
person's own « Confirmer et envoyer » (the workflow's ``confirm``, on their application page), so
nothing is screened or sent to a centre before they have seen it."""

import datetime
import logging

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User

from .. import phones
from ..models import CandidateProfile, Support
from . import emails, links
from .services import check_member

logger = logging.getLogger(__name__)

# Wrong codes typed for one person before their sheet stops working (a new one must be printed).
MAX_CODE_FAILURES = 5


class AccordInvalid(Exception):
    """The link or the code cannot be used (expired, replaced, withdrawn); the message says why."""


def support_from_token(token):
    """The current support an emailed link names, else AccordInvalid."""
    found = links.read_consent_token(token)
    support = None
    if found is not None:
        support_id, version = found
        support = (
            Support.objects.current()
            .select_related("organisation", "person", "referent")
            .filter(pk=support_id, link_version=version)
            .first()
        )
    if support is None:
        raise AccordInvalid(
            _("Ce lien n'est plus valable. Demandez à votre conseiller ou conseillère de vous en envoyer un nouveau.")
        )
    return support


def print_code_sheet(support, *, adviser):
    """A new code for the printable sheet of a person without email (the former one stops
    working). Returns the code, shown once on the sheet; only its digest is kept."""
    check_member(adviser, support.organisation)
    if support.withdrawn_at is not None:
        raise PermissionDenied(_("La personne a retiré l'accès de votre organisation."))
    code = links.new_code()
    expires_at = timezone.now() + datetime.timedelta(days=settings.ADVISER_CONSENT_CODE_DAYS)
    Support.objects.filter(pk=support.pk).update(
        code_digest=links.code_digest(code), code_expires_at=expires_at, code_failures=0
    )
    support.code_digest, support.code_expires_at, support.code_failures = links.code_digest(code), expires_at, 0
    return code


def support_from_code(*, phone, code):
    """The support whose sheet holds ``code``, for the person with this phone number. Too many
    wrong codes for one person void their sheet."""
    invalid = AccordInvalid(
        _("Ce code ne correspond pas, ou il n'est plus valable. Vérifiez la fiche remise par votre conseiller.")
    )
    canonical = phones.normalize(phone) if phone else ""
    if not canonical:
        raise invalid
    supports = list(
        Support.objects.current()
        .filter(person__candidate_profile__phone=canonical, code_expires_at__gt=timezone.now())
        .exclude(code_digest="")
        .select_related("organisation", "person", "referent")
    )
    digest = links.code_digest(code)
    for support in supports:
        if support.code_digest == digest and support.code_failures < MAX_CODE_FAILURES:
            return support
    if supports:
        Support.objects.filter(pk__in=[support.pk for support in supports]).update(code_failures=F("code_failures") + 1)
    raise invalid


def needs_password(person):
    """An account the organisation opened: the person claims it by choosing a password."""
    return not person.has_usable_password()


def give_accord(support, *, person, password="", email="", proved_email=False):
    """The person agrees to be supported by the organisation and, for an account it opened, claims
    it (a password; an email address for someone registered without one). ``proved_email``: they
    came from the link emailed to them, so their address is verified. Idempotent."""
    if support.person_id != person.pk:
        raise PermissionDenied
    with transaction.atomic():
        locked = Support.objects.select_for_update().get(pk=support.pk)
        if locked.withdrawn_at is not None:
            raise AccordInvalid(_("Vous avez retiré l'accès de cette organisation."))
        if email and not person.has_email:
            email = User.objects.normalize_email(email).strip().lower()
            if User.objects.filter(email__iexact=email).exclude(pk=person.pk).exists():
                raise ValidationError({"email": _("Un compte existe déjà avec cette adresse : connectez-vous.")})
            person.email = email
            person.save(update_fields=["email"])
            EmailAddress.objects.filter(user=person).delete()
            EmailAddress.objects.create(user=person, email=email, verified=False, primary=True)
        if password:
            person.set_password(password)
            person.save(update_fields=["password"])
        if proved_email:
            EmailAddress.objects.filter(user=person, email__iexact=person.email).update(verified=True)
        if locked.consented_at is None:
            locked.consented_at = timezone.now()
            locked.save(update_fields=["consented_at"])
        CandidateProfile.objects.get_or_create(user=person)
    logger.info("support %s: accord given by user %s", support.pk, person.pk)
    support.consented_at = locked.consented_at
    return support


def withdraw(support, *, person):
    """The person withdraws the organisation's access: at once it sees nothing more of them (the
    adviser role on their applications goes with it), every link and code it handed out dies, and
    the referent is told. The applications stay the person's own."""
    if support.person_id != person.pk:
        raise PermissionDenied
    with transaction.atomic():
        updated = Support.objects.filter(pk=support.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now(),
            link_version=F("link_version") + 1,
            code_digest="",
            code_expires_at=None,
        )
        support.refresh_from_db()
        if updated:
            emails.queue_access_withdrawn(support)
    logger.info("support %s withdrawn by user %s", support.pk, person.pk)
    return support
