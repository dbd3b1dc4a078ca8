"""Orienting organisations, their members, invitations to join them, and the people they support.

Registered as models of the ``candidates`` app (``candidates.models`` imports this module).
Applications name the organisation that oriented them (``Application.oriented_by``); attestations
are ``CriterionVerification`` rows of the source « adviser ». Every write goes through
``candidates.advisers.services`` (memberships, invitations, supports, habilitation).
"""

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..workflow import Status


class OrganisationKind(models.TextChoices):
    """The kinds of organisations that orient people towards the trainings (the « prescripteurs »
    of les emplois de l'inclusion). Stable codes: the open data and the rules' priority weights
    (``oriented_by:<kind>``) name them."""

    FRANCE_TRAVAIL = "france_travail", _("France Travail")
    MISSION_LOCALE = "mission_locale", _("Mission locale")
    CAP_EMPLOI = "cap_emploi", _("Cap emploi")
    PLIE = "plie", _("PLIE (plan local pour l'insertion et l'emploi)")
    DEPARTEMENT = "departement", _("Conseil départemental (accompagnement RSA)")
    CCAS = "ccas", _("CCAS (centre communal d'action sociale)")
    ASSOCIATION = "association", _("Association de quartier (QPV)")
    OTHER = "other", _("Autre structure d'accompagnement")


# What the weekly digest and the space's « À relancer » call a nudge: a draft left for a week, an
# application waiting for the person's accord for three days, an offer expiring within three days.
NUDGE_DRAFT_AFTER = datetime.timedelta(days=7)
NUDGE_AWAITING_AFTER = datetime.timedelta(days=3)
NUDGE_OFFER_WITHIN = datetime.timedelta(days=3)


def needs_nudge(*, now=None):
    """The applications (an oriented one's condition, ``Q``) whose person needs a nudge now."""
    now = now or timezone.now()
    return (
        Q(status=Status.DRAFT, updated_at__lte=now - NUDGE_DRAFT_AFTER)
        | Q(status=Status.AWAITING_CONFIRMATION, updated_at__lte=now - NUDGE_AWAITING_AFTER)
        | Q(status=Status.SEAT_OFFERED, offer_expires_at__gt=now, offer_expires_at__lte=now + NUDGE_OFFER_WITHIN)
    )


class AdviserOrganisationQuerySet(models.QuerySet):
    def habilitated(self):
        return self.filter(is_habilitated=True)

    def of_member(self, user):
        """The organisations ``user`` belongs to now."""
        return self.filter(
            memberships__user=user, memberships__left_at__isnull=True, memberships__user__is_active=True
        ).distinct()


class AdviserOrganisation(models.Model):
    """A France Travail agency, a Mission locale, a PLIE, a Cap emploi, an association…

    « Habilitée » (set by municipal staff only, through ``services.set_habilitation``): its
    advisers' attestations of criteria count in the screening."""

    Kind = OrganisationKind

    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=30, choices=OrganisationKind.choices, db_index=True)
    code = models.CharField(
        _("code de l'agence"),
        max_length=20,
        blank=True,
        help_text=_("Pour France Travail : le code SAFIR de l'agence. Sert aux rapports par agence."),
    )
    siret = models.CharField(
        _("SIRET"), max_length=14, blank=True, validators=[RegexValidator(r"^[0-9]{14}$", _("14 chiffres."))]
    )
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    commune = models.CharField(_("commune"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail de contact"), blank=True)
    phone = models.CharField(_("téléphone de contact"), max_length=20, blank=True)
    is_habilitated = models.BooleanField(
        _("habilitée"),
        default=False,
        help_text=_("Ses conseillers peuvent attester des critères d'éligibilité. Décidé par l'équipe municipale."),
    )
    habilitated_at = models.DateTimeField(_("habilitée le"), null=True, blank=True)
    habilitated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("habilitée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now, editable=False)
    history = HistoricalRecords()

    objects = AdviserOrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation d'orientation")
        verbose_name_plural = _("organisations d'orientation")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_habilitated=False) | Q(habilitated_at__isnull=False),
                name="adviser_organisation_habilitation_dated",
            ),
            models.UniqueConstraint(
                fields=["kind", "code"], condition=~Q(code=""), name="adviser_organisation_unique_code"
            ),
        ]

    def __str__(self):
        return self.name


class AdviserMembershipQuerySet(models.QuerySet):
    def active(self):
        """Members now: not left, account active. Access to the adviser space and to the people
        an organisation supports depends on it."""
        return self.filter(left_at__isnull=True, user__is_active=True)


class AdviserMembership(models.Model):
    """A user's membership of an orienting organisation, with their email preferences. A member
    who leaves (or is removed) keeps the row, dated, and loses every access at once."""

    organisation = models.ForeignKey(AdviserOrganisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="adviser_memberships")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invité par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    joined_at = models.DateTimeField(_("membre depuis le"), default=timezone.now)
    left_at = models.DateTimeField(_("a quitté l'organisation le"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("retiré par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Email preferences (the adviser space's « Mes préférences »).
    notify_status_changes = models.BooleanField(
        _("les changements de statut des candidatures des personnes que je suis"), default=True
    )
    notify_invitations = models.BooleanField(_("leurs convocations aux tests et entretiens"), default=True)
    notify_offers = models.BooleanField(_("les places qui leur sont proposées, avec la date limite"), default=True)
    receives_weekly_digest = models.BooleanField(_("le récapitulatif de la semaine : qui relancer"), default=True)

    objects = AdviserMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membre d'une organisation d'orientation")
        verbose_name_plural = _("membres des organisations d'orientation")
        ordering = ["organisation", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                condition=Q(left_at__isnull=True),
                name="adviser_membership_one_current",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation}"

    @property
    def is_active(self):
        return self.left_at is None and self.user.is_active


class AdviserInvitation(models.Model):
    """An invitation to join an organisation, sent by a colleague or by municipal staff. Only the
    digest of its key is kept: the key itself travels in the email's link."""

    organisation = models.ForeignKey(AdviserOrganisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("adresse e-mail"))
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invité par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation d'un conseiller")
        verbose_name_plural = _("invitations des conseillers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "organisation",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="adviser_invitation_one_pending",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.organisation}"

    @property
    def is_pending(self):
        return self.accepted_at is None and self.cancelled_at is None and self.expires_at > timezone.now()


class SupportQuerySet(models.QuerySet):
    def current(self):
        """Supports the person has not withdrawn (consented or still waiting for their accord)."""
        return self.filter(withdrawn_at__isnull=True)

    def consented(self):
        return self.current().filter(consented_at__isnull=False)

    def followed_by(self, user):
        """The supports of the organisations ``user`` belongs to now: what the adviser space lists."""
        return self.current().filter(
            organisation__memberships__user=user,
            organisation__memberships__left_at__isnull=True,
            organisation__memberships__user__is_active=True,
        )


class Support(models.Model):
    """An organisation supports a person (« accompagnement »): it may prepare applications with and
    for them, which the person confirms, and follow them. The person's accord comes first: until
    they give it, the organisation sees only what it typed itself; they may withdraw it at any time,
    and then the organisation loses every access to them (the row stays, dated)."""

    organisation = models.ForeignKey(
        AdviserOrganisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="supports"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne accompagnée"),
        on_delete=models.CASCADE,
        related_name="adviser_supports",
    )
    # The adviser who follows the person (emails about them go to this member).
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("conseiller référent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The organisation created the person's account (and so typed their profile with them).
    created_account = models.BooleanField(_("compte créé par l'organisation"), default=False)
    created_at = models.DateTimeField(_("commencé le"), default=timezone.now)
    consented_at = models.DateTimeField(_("accord donné le"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("accès retiré le"), null=True, blank=True)
    # Bumped to invalidate every emailed link (after a withdrawal).
    link_version = models.PositiveSmallIntegerField(default=1, editable=False)
    # The printable code sheet, for a person without email: only the code's digest is kept.
    code_digest = models.CharField(max_length=64, blank=True, editable=False)
    code_expires_at = models.DateTimeField(_("code valable jusqu'au"), null=True, blank=True)
    code_failures = models.PositiveSmallIntegerField(_("codes erronés saisis"), default=0)

    objects = SupportQuerySet.as_manager()

    class Meta:
        verbose_name = _("accompagnement")
        verbose_name_plural = _("accompagnements")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person"],
                condition=Q(withdrawn_at__isnull=True),
                name="support_one_current_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("created_at")),
                name="support_withdrawn_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.organisation}"

    @property
    def is_consented(self):
        return self.consented_at is not None and self.withdrawn_at is None

    @property
    def shows_profile(self):
        """The organisation may read and fill the person's profile: they typed it together, or the
        person agreed to be supported."""
        return self.withdrawn_at is None and (self.created_account or self.consented_at is not None)
