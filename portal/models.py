from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """Every person who logs in: candidates, municipal staff, training-centre and partner staff.

    The role comes from what the user is attached to (a candidate profile, the municipal staff
    group, a training-provider or partner-company membership), not from a field here."""

    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    language = models.CharField(
        _("langue des messages"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Notification preferences: decisions and invitations are always sent; these can be turned off.
    receives_reminders = models.BooleanField(_("recevoir les rappels"), default=True)
    receives_digests = models.BooleanField(_("recevoir les récapitulatifs quotidiens"), default=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def is_municipal_staff(self):
        if self.is_superuser:
            return True
        cached = getattr(self, "_is_municipal_staff", None)
        if cached is None:
            cached = self.is_staff and self.groups.filter(name=settings.MUNICIPAL_STAFF_GROUP).exists()
            self._is_municipal_staff = cached
        return cached


class OutgoingEmail(models.Model):
    """The outbox: every email is first a row written in the business transaction, then sent by a
    task on the `mail` queue. A rolled-back transaction leaves no row, hence sends nothing; a
    broker or SMTP outage leaves a queued row that a periodic job picks up again."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("en attente")
        SENDING = "sending", _("en cours d'envoi")
        SENT = "sent", _("envoyé")
        FAILED = "failed", _("échec définitif")
        CANCELLED = "cancelled", _("annulé")

    idempotency_key = models.CharField(_("clé d'unicité"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=64, db_index=True)
    recipient = models.EmailField(_("destinataire"))
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur destinataire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    language = models.CharField(_("langue"), max_length=8, default="fr")
    subject = models.CharField(_("objet"), max_length=255)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"), blank=True)
    attachment_name = models.CharField(_("nom de la pièce jointe"), max_length=100, blank=True)
    attachment_mimetype = models.CharField(_("type de la pièce jointe"), max_length=100, blank=True)
    attachment_content = models.TextField(_("pièce jointe"), blank=True)
    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("candidature"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
    )
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    sending_started_at = models.DateTimeField(_("début de l'envoi"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("e-mail sortant")
        verbose_name_plural = _("e-mails sortants")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_status_next_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="outbox_sent_has_sent_at",
            ),
        ]

    # Set on the instance portal.outbox.queue_email returns: False when the key was already queued.
    newly_queued = False

    def __str__(self):
        return f"{self.kind} → {self.recipient} ({self.get_status_display()})"
