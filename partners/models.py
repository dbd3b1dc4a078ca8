"""Partner companies, the charters they sign and what they commit to; the opportunities they offer
trainees, and the trainees' interests, which become placements once the company takes them."""

from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from candidates.models import Application
from candidates.workflow import Status as ApplicationStatus
from portal.storage import private_storage
from programmes.models import Track

# "Admitted or enrolled": the application statuses that give access to a session's opportunities.
ADMITTED_STATUSES = (ApplicationStatus.SEAT_ACCEPTED, ApplicationStatus.ENROLLED)


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

    def get_absolute_url(self):
        return reverse("partners:charter_detail", args=[self.slug])

    def text_for(self, language=None):
        """The charter's text in the given (or current) language, French when no translation exists."""
        language = (language or get_language() or "fr").split("-")[0]
        if language == "en" and self.text_en.strip():
            return self.text_en
        return self.text_fr


def taken_placements(path):
    """A subquery counting the placements taken whose ``path`` (from Interest) is the outer row."""
    taken = (
        Interest.objects.taken()
        .filter(**{path: OuterRef("pk")})
        .order_by()
        .values(path)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(taken), Value(0))


class CharterSignatureQuerySet(models.QuerySet):
    def with_figures(self):
        """Annotate ``promised`` and ``delivered`` (sums over the signature's commitments)."""
        promised = (
            Commitment.objects.filter(signature=OuterRef("pk"))
            .order_by()
            .values("signature")
            .annotate(total=Sum("quantity_promised"))
            .values("total")
        )
        return self.annotate(
            promised=Coalesce(Subquery(promised), Value(0)),
            delivered=taken_placements("opportunity__commitment__signature"),
        )


class CharterSignature(models.Model):
    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="signatures")
    company = models.ForeignKey(PartnerCompany, on_delete=models.PROTECT, related_name="signatures")
    signatory_name = models.CharField(_("signataire"), max_length=200)
    signatory_title = models.CharField(_("fonction du signataire"), max_length=200, blank=True)
    signed_on = models.DateField(_("signée le"))

    objects = CharterSignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["company__name"]
        constraints = [models.UniqueConstraint(fields=["charter", "company"], name="signature_unique_per_charter")]

    def __str__(self):
        return f"{self.company} — {self.charter}"


class CommitmentQuerySet(models.QuerySet):
    def with_delivered(self):
        """Annotate ``delivered``: the placements marked taken on the opportunities linked to each
        commitment, and ``shortfall``: what remains to deliver (never negative). Derived, never typed,
        so the figures cannot drift. A subquery rather than a join, so that it composes with other
        annotations without multiplying rows."""
        return self.annotate(delivered=taken_placements("opportunity__commitment")).annotate(
            shortfall=Greatest(F("quantity_promised") - F("delivered"), Value(0))
        )

    def for_programme(self, programme):
        """Commitments under a charter of the programme, or tied to it explicitly."""
        return self.filter(Q(signature__charter__programme=programme) | Q(programme=programme))

    def for_partner_member(self, user):
        return self.filter(signature__company__memberships__user=user)


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

    objects = CommitmentQuerySet.as_manager()

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

    @property
    def label(self):
        """Short description for the company's own forms: kind, quantity, charter."""
        return f"{self.quantity_promised} × {self.get_kind_display()} — {self.signature.charter}"


class OpportunityQuerySet(models.QuerySet):
    def for_partner_member(self, user):
        """Opportunities of the companies the user belongs to: a partner sees only its own."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(company__memberships__user=user)

    def for_candidate(self, user):
        """Published opportunities meant for a session in which the user is admitted or enrolled,
        either by the session itself or by the session's track."""
        if not user.is_authenticated:
            return self.none()
        admitted = Application.objects.filter(candidate=user, status__in=ADMITTED_STATUSES)
        return (
            self.filter(is_published=True)
            .filter(
                Q(sessions__in=admitted.values("session")) | Q(track_links__track__in=admitted.values("session__track"))
            )
            .distinct()
        )

    def open_for_interest(self, on=None):
        return self.filter(apply_by__gte=on or timezone.localdate())

    def with_interest_counts(self):
        return self.annotate(
            interested_count=Count("interests", distinct=True),
            taken_count=Count("interests", filter=Q(interests__status=Interest.Status.TAKEN), distinct=True),
        )


class Opportunity(models.Model):
    """Something a partner company offers trainees: an internship, a work-study place, a discovery
    day, mentoring or a job. It may count towards one of the company's commitments."""

    Kind = Commitment.Kind

    company = models.ForeignKey(
        PartnerCompany, verbose_name=_("entreprise"), on_delete=models.CASCADE, related_name="opportunities"
    )
    commitment = models.ForeignKey(
        Commitment,
        verbose_name=_("engagement concerné"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        help_text=_("Les personnes retenues comptent dans ce qui a été réalisé pour cet engagement."),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Commitment.Kind.choices)
    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    places = models.PositiveIntegerField(_("nombre de places"))
    location = models.CharField(_("lieu"), max_length=255)
    sessions = models.ManyToManyField(
        "programmes.Session", verbose_name=_("sessions"), blank=True, related_name="partner_opportunities"
    )
    apply_by = models.DateField(_("date limite pour se manifester"))
    is_published = models.BooleanField(_("publiée"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunité")
        verbose_name_plural = _("opportunités")
        ordering = ["starts_on", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(places__gte=1), name="opportunity_places_positive"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="opportunity_ends_after_start"),
            models.CheckConstraint(condition=Q(apply_by__lte=F("starts_on")), name="opportunity_deadline_before_start"),
        ]

    def __str__(self):
        return f"{self.title} ({self.company})"

    def get_absolute_url(self):
        return reverse("partners:trainee_opportunity", args=[self.pk])

    def is_open_for_interest(self, on=None):
        return self.apply_by >= (on or timezone.localdate())

    @property
    def tracks(self):
        return [link.track for link in self.track_links.all()]

    def get_tracks_display(self):
        return [Track(track).label for track in self.tracks if track in Track.values]


class OpportunityTrack(models.Model):
    """A track an opportunity is for: every session of that track sees it."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="track_links")
    track = models.CharField(_("métier"), max_length=30, choices=Track.choices)

    class Meta:
        verbose_name = _("métier visé")
        verbose_name_plural = _("métiers visés")
        constraints = [models.UniqueConstraint(fields=["opportunity", "track"], name="opportunity_track_unique")]

    def __str__(self):
        return self.get_track_display()


class InterestQuerySet(models.QuerySet):
    def taken(self):
        return self.filter(status=Interest.Status.TAKEN)

    def for_partner_member(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(opportunity__company__memberships__user=user)


class Interest(models.Model):
    """A trainee's interest in an opportunity; once the company takes them, a placement.

    The company sees only what the trainee chose to share (name, email, phone)."""

    class Status(models.TextChoices):
        INTERESTED = "interested", _("Intéressé·e")
        TAKEN = "taken", _("Retenu·e")
        NOT_TAKEN = "not_taken", _("Non retenu·e")

    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunité"), on_delete=models.CASCADE, related_name="interests"
    )
    # Nulled when the trainee deletes their account: the placement stays, anonymised, so that what
    # the company delivered does not shrink.
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("apprenant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partner_interests",
    )
    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("candidature"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partner_interests",
    )
    message = models.TextField(_("message à l'entreprise"), blank=True, max_length=2000)
    share_name = models.BooleanField(_("partager mon nom"), default=False)
    share_email = models.BooleanField(_("partager mon adresse e-mail"), default=False)
    share_phone = models.BooleanField(_("partager mon numéro de téléphone"), default=False)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.INTERESTED)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)
    decided_at = models.DateTimeField(_("décision le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InterestQuerySet.as_manager()

    class Meta:
        verbose_name = _("intérêt d'un apprenant")
        verbose_name_plural = _("intérêts des apprenants")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "candidate"], name="interest_unique_per_candidate"),
            models.CheckConstraint(
                condition=Q(status="interested") | Q(decided_at__isnull=False), name="interest_decision_has_date"
            ),
        ]
        indexes = [models.Index(fields=["opportunity", "status"], name="interest_opp_status_idx")]

    def __str__(self):
        return f"{self.opportunity} — {self.get_status_display()}"

    @property
    def shared_name(self):
        if self.share_name and self.candidate_id:
            return self.candidate.get_full_name() or None
        return None

    @property
    def shared_email(self):
        return self.candidate.email if self.share_email and self.candidate_id else None

    @property
    def shared_phone(self):
        if self.share_phone and self.candidate_id:
            profile = getattr(self.candidate, "candidate_profile", None)
            return (profile.phone or None) if profile else None
        return None
