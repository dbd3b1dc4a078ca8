"""Partner companies, the charters they sign and what they commit to."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.storage import private_storage


class PartnerCompany(models.Model):
    name = models.CharField(_("nom"), max_length=200, unique=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    website = models.URLField(_("site web"), blank=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="PartnerMembership", related_name="partner_companies", blank=True
    )

    class Meta:
        verbose_name = _("entreprise partenaire")
        verbose_name_plural = _("entreprises partenaires")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PartnerMembership(models.Model):
    class Role(models.TextChoices):
        MANAGER = "manager", _("Responsable du partenariat")
        STAFF = "staff", _("Collaborateur")

    company = models.ForeignKey(PartnerCompany, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_memberships")
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.STAFF)

    class Meta:
        verbose_name = _("membre d'une entreprise partenaire")
        verbose_name_plural = _("membres des entreprises partenaires")
        constraints = [models.UniqueConstraint(fields=["company", "user"], name="partner_membership_unique")]

    def __str__(self):
        return f"{self.user} — {self.company}"


class Charter(models.Model):
    programme = models.ForeignKey("programmes.Programme", on_delete=models.PROTECT, related_name="charters")
    season = models.CharField(_("saison"), max_length=60)
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    text_fr = models.TextField(_("texte (français)"))
    text_en = models.TextField(_("texte (anglais)"), blank=True)
    signed_copy = models.FileField(
        _("exemplaire signé (PDF)"), storage=private_storage, upload_to="charters/", blank=True, max_length=200
    )
    signed_on = models.DateField(_("date de signature"), null=True, blank=True)
    season_ends_on = models.DateField(_("fin de la saison"), null=True, blank=True)
    is_published = models.BooleanField(_("publiée"), default=True)

    class Meta:
        verbose_name = _("charte partenaires")
        verbose_name_plural = _("chartes partenaires")
        ordering = ["-signed_on", "title"]
        constraints = [models.UniqueConstraint(fields=["programme", "season"], name="charter_unique_per_season")]

    def __str__(self):
        return self.title


class CharterSignature(models.Model):
    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="signatures")
    company = models.ForeignKey(PartnerCompany, on_delete=models.PROTECT, related_name="signatures")
    signatory_name = models.CharField(_("signataire"), max_length=200)
    signatory_title = models.CharField(_("fonction du signataire"), max_length=200, blank=True)
    signed_on = models.DateField(_("signée le"))

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["company__name"]
        constraints = [models.UniqueConstraint(fields=["charter", "company"], name="signature_unique_per_charter")]

    def __str__(self):
        return f"{self.company} — {self.charter}"


class Commitment(models.Model):
    class Kind(models.TextChoices):
        INTERNSHIP = "internship", _("Stage")
        WORK_STUDY = "work_study", _("Alternance")
        DISCOVERY_DAY = "discovery_day", _("Journée découverte")
        MENTORING = "mentoring", _("Parrainage")
        HIRING = "hiring", _("Embauche")

    signature = models.ForeignKey(CharterSignature, on_delete=models.CASCADE, related_name="commitments")
    kind = models.CharField(_("type d'engagement"), max_length=20, choices=Kind.choices)
    quantity_promised = models.PositiveIntegerField(_("nombre promis"))
    period_start = models.DateField(_("à partir du"), null=True, blank=True)
    period_end = models.DateField(_("jusqu'au"), null=True, blank=True)
    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, null=True, blank=True, related_name="commitments"
    )
    session = models.ForeignKey(
        "programmes.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="commitments"
    )
    description = models.TextField(_("précisions"), blank=True)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["signature", "kind"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_promised__gte=1), name="commitment_quantity_positive"),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="commitment_period_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.signature.company} — {self.quantity_promised} × {self.get_kind_display()}"
