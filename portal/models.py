from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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
    # « Facile à lire et à comprendre » (portal.easy_read): the pages and emails in plain language.
    prefers_easy_read = models.BooleanField(_("textes faciles à lire et à comprendre (FALC)"), default=False)

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
    def has_email(self):
        """False for a person an adviser registered without an email address: a placeholder on a
        reserved domain keeps the address unique, and nothing is ever sent there."""
        return bool(self.email) and not self.email.lower().endswith("@" + settings.NO_EMAIL_DOMAIN)

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


class AccessLogQuerySet(models.QuerySet):
    """The trail is written once and never changed: updates are refused here (and, on
    PostgreSQL, by a trigger); only the purge (portal.audit.purge_access_log) deletes, and only
    rows past the retention period."""

    def update(self, **kwargs):
        raise PermissionError("the personal-data access trail is never edited")

    def delete(self):
        raise PermissionError("the personal-data access trail is only purged past its retention period")

    def purge_older_than(self, cutoff):
        """Delete the rows written before ``cutoff`` (the retention job's one way to delete)."""
        return models.QuerySet.delete(self.filter(at__lt=cutoff))


class AccessLog(models.Model):
    """One access to a candidate's personal data by someone else than the candidate: an
    application page opened (admin or centre space), a document or an export downloaded.

    Who and whose are plain identifiers, not foreign keys: the trail outlives accounts and
    applications (deleting a user must not rewrite it), and it holds no personal data beyond them."""

    class Action(models.TextChoices):
        APPLICATION_VIEWED = "application_viewed", _("page de candidature consultée")
        DOCUMENT_DOWNLOADED = "document_downloaded", _("document téléchargé")
        EXPORT_DOWNLOADED = "export_downloaded", _("export téléchargé")

    at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(_("identifiant de la personne"), null=True, blank=True, db_index=True)
    actor_email = models.CharField(_("personne"), max_length=254, blank=True)
    space = models.CharField(_("espace"), max_length=20)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    object_type = models.CharField(_("type d'objet"), max_length=40)
    object_id = models.CharField(_("objet"), max_length=64)
    candidate_id = models.BigIntegerField(_("identifiant du candidat"), null=True, blank=True, db_index=True)
    detail = models.CharField(_("détail"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("accès aux données personnelles")
        verbose_name_plural = _("accès aux données personnelles")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("the personal-data access trail is never edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the personal-data access trail is only purged past its retention period")


class DeferredTask(models.Model):
    """A task a service asked for (``delay_on_commit``), written in the business transaction like
    an outbox email: published after commit, claimed and marked done by the worker that runs it.
    A broker outage at commit, a message lost with Redis or a worker killed mid-task leaves the
    row pending or running: the sweep (portal.deferred) publishes it again until it is done."""

    class Status(models.TextChoices):
        PENDING = "pending", _("à faire")
        RUNNING = "running", _("en cours")
        DONE = "done", _("faite")
        FAILED = "failed", _("échec")

    task_name = models.CharField(_("tâche"), max_length=200, db_index=True)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("arguments nommés"), default=dict, blank=True)
    options = models.JSONField(_("options d'envoi"), default=dict, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # When the row is next due for (re)publishing by the sweep, give or take its grace period.
    due_at = models.DateTimeField(_("à publier à partir de"), default=timezone.now)
    publications = models.PositiveIntegerField(_("publications par le balayage"), default=0)
    attempts = models.PositiveIntegerField(_("exécutions commencées"), default=0)
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("tâche différée")
        verbose_name_plural = _("tâches différées")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["status", "due_at"],
                name="deferred_task_open_idx",
                condition=models.Q(status__in=["pending", "running"]),
            )
        ]

    def __str__(self):
        return f"{self.task_name}{tuple(self.args)} ({self.get_status_display()})"


class InformationPage(models.Model):
    """The public service's own pages (accessibility statement, legal notice, privacy notice, help),
    written by staff in the admin, in French and English, without a deployment. Bodies are
    Markdown (headings, lists, links, tables; raw HTML is shown as text, never run)."""

    class Slug(models.TextChoices):
        ACCESSIBILITY = "accessibilite", _("Déclaration d'accessibilité")
        LEGAL_NOTICE = "mentions-legales", _("Mentions légales")
        PRIVACY = "confidentialite", _("Politique de confidentialité")
        HELP = "aide", _("Aide et contact")

    class Conformance(models.TextChoices):
        # RGAA: without a valid audit, a service is declared « non conforme »; « partiellement »
        # from 50 % of the criteria met, « totalement » at 100 %.
        NONE = "non", _("non conforme")
        PARTIAL = "partial", _("partiellement conforme")
        TOTAL = "total", _("totalement conforme")

    slug = models.SlugField(_("page"), max_length=40, unique=True, choices=Slug.choices)
    title_fr = models.CharField(_("titre (français)"), max_length=200)
    title_en = models.CharField(_("titre (anglais)"), max_length=200)
    body_fr = models.TextField(
        _("texte (français)"),
        help_text=_("Markdown : « ## » pour un intertitre, « - » pour une liste, [texte](adresse) pour un lien."),
    )
    body_en = models.TextField(_("texte (anglais)"))
    conformance = models.CharField(
        _("état de conformité au RGAA"),
        max_length=10,
        choices=Conformance.choices,
        default=Conformance.NONE,
        help_text=_("Pour la déclaration d'accessibilité : affiché aussi en bas de chaque page."),
    )
    audit_rate = models.PositiveSmallIntegerField(
        _("critères RGAA respectés (%)"),
        null=True,
        blank=True,
        help_text=_("Le taux donné par le dernier audit de conformité ; vide tant qu'aucun audit n'a été fait."),
    )
    audited_on = models.DateField(_("date de l'audit"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("page d'information")
        verbose_name_plural = _("pages d'information")
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(audit_rate__isnull=True) | models.Q(audit_rate__lte=100),
                name="information_page_audit_rate_percent",
            ),
        ]

    def __str__(self):
        return self.get_slug_display()

    def title(self, language):
        return self.title_en if language == "en" and self.title_en else self.title_fr

    def body(self, language):
        return self.body_en if language == "en" and self.body_en else self.body_fr
