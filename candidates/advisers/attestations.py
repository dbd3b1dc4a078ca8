"""An adviser's diagnosis counts: an habilitée organisation's adviser attests criteria they have
checked about a person they support (job seeker registration, RSA, QPV residence, RQTH).

An attestation is a ``CriterionVerification`` of the source « adviser », about the person (not
one application): the screening reads the latest decision in force per criterion, staff checks
and attestations alike (``candidates.screening``), and the rules engine treats an attested
criterion as verified, with the organisation, the adviser and the date in the dated screening.
Attestations expire after ``ATTESTATION_VALIDITY_DAYS``; they stop counting at once if the
organisation loses its habilitation. Either way the person's open applications are screened again.

Habilitation itself is municipal staff's decision (``set_habilitation``)."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

# tasks: an attestation's screenings run on the screening queue once it commits (the one upward
# import of the app, declared in .importlinter; see docs/architecture.md).
from .. import screening, tasks
from ..models import AdviserOrganisation, Application, CriterionVerification
from ..workflow import SCREENABLE_STATUSES
from .services import check_member

logger = logging.getLogger(__name__)

Criterion = CriterionVerification.Criterion
# What an adviser may attest: facts their organisation checks in its own files.
ATTESTABLE = (Criterion.JOB_SEEKER, Criterion.RSA, Criterion.QPV, Criterion.RQTH)
# The beat's look-back for lapsed attestations (it runs daily; a missed day is caught up).
LAPSED_WINDOW = datetime.timedelta(days=3)


def set_habilitation(organisation, *, habilitated, actor):
    """Municipal staff habilitate an organisation (its advisers' attestations then count) or
    withdraw it (its attestations stop counting: the people it attested are screened again)."""
    if not (actor.is_authenticated and actor.is_municipal_staff):
        raise PermissionDenied(_("Seule l'équipe municipale peut habiliter une organisation."))
    with transaction.atomic():
        locked = AdviserOrganisation.objects.select_for_update().get(pk=organisation.pk)
        if locked.is_habilitated == habilitated:
            return locked
        locked.is_habilitated = habilitated
        locked.habilitated_at = timezone.now() if habilitated else None
        locked.habilitated_by = actor if habilitated else None
        locked._change_reason = "habilitation" if habilitated else "habilitation withdrawn"
        locked.save(update_fields=["is_habilitated", "habilitated_at", "habilitated_by"])
        people = CriterionVerification.objects.attestations().filter(organisation=locked).values("person_id")
        screen_again_after_commit(people)
    logger.info("organisation %s habilitated=%s by user %s", organisation.pk, habilitated, actor.pk)
    for name in ("is_habilitated", "habilitated_at", "habilitated_by_id"):
        setattr(organisation, name, getattr(locked, name))
    return organisation


def can_attest(user, support):
    """An active member of an habilitée organisation, about a person it may follow."""
    organisation = support.organisation
    return (
        organisation.is_habilitated
        and support.shows_profile
        and user.is_authenticated
        and user.adviser_memberships.active().filter(organisation=organisation).exists()
    )


def attest(support, *, criteria, comment, adviser):
    """Record ``adviser``'s attestation of ``criteria`` about the supported person, valid
    ``ATTESTATION_VALIDITY_DAYS`` days, and screen the person's open applications again once it
    commits. Raises PermissionDenied for a non-habilitée organisation (or a non-member)."""
    check_member(adviser, support.organisation)
    if not support.organisation.is_habilitated:
        raise PermissionDenied(
            _("Votre organisation n'est pas habilitée : ses attestations ne peuvent pas être prises en compte.")
        )
    if not support.shows_profile:
        raise PermissionDenied(_("La personne n'a pas donné son accord à votre accompagnement."))
    criteria = list(dict.fromkeys(criteria))
    errors = {}
    if not criteria or any(criterion not in ATTESTABLE for criterion in criteria):
        errors["criteria"] = _("Cochez au moins un critère que vous avez vérifié.")
    if not (comment or "").strip():
        errors["comment"] = _("Indiquez comment vous l'avez vérifié (par exemple « dossier France Travail consulté »).")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    expires_at = now + datetime.timedelta(days=settings.ATTESTATION_VALIDITY_DAYS)
    with transaction.atomic():
        rows = CriterionVerification.objects.bulk_create(
            CriterionVerification(
                source=CriterionVerification.Source.ADVISER_ATTESTATION,
                person=support.person,
                organisation=support.organisation,
                criterion=criterion,
                decision=CriterionVerification.Decision.VERIFIED,
                comment=comment.strip(),
                verified_by=adviser,
                created_at=now,
                expires_at=expires_at,
            )
            for criterion in criteria
        )
        screen_again_after_commit([support.person_id])
    logger.info("attestation of %s for user %s by user %s", ",".join(criteria), support.person_id, adviser.pk)
    return rows


def screen_again_after_commit(person_ids):
    """Enqueue a screening of each open application of these people, once this commits (the
    screening reads the attestations in force then)."""
    ids = Application.objects.filter(candidate__in=person_ids, status__in=SCREENABLE_STATUSES).values_list(
        "pk", flat=True
    )
    for application_id in ids:
        tasks.screen_application.delay_on_commit(application_id)


def rescreen_lapsed(*, now=None):
    """Beat, daily: screen again the open applications of people whose attestation lapsed
    recently. Idempotent (the screening writes nothing when its inputs did not change)."""
    now = now or timezone.now()
    people = (
        CriterionVerification.objects.attestations()
        .filter(expires_at__lte=now, expires_at__gt=now - LAPSED_WINDOW)
        .values("person_id")
    )
    ids = list(
        Application.objects.filter(candidate__in=people, status__in=SCREENABLE_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return screening.rescreen(ids).processed if ids else 0
