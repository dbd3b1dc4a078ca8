"""Programmes, training structures, their sites and sessions, and the eligibility rules."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PriorityAudience(models.TextChoices):
    """Audiences the programmes want to reach (Paris Code's priorities and the Écoles du Web's)."""

    WOMEN = "women", _("Femmes")
    UNDER_26_WITHOUT_DIPLOMA = "under_26_without_diploma", _("Moins de 26 ans sans diplôme")
    AGED_50_PLUS = "aged_50_plus", _("50 ans et plus")
    QPV_RESIDENTS = "qpv_residents", _("Habitants d'un quartier prioritaire (QPV)")
    JOB_SEEKERS = "job_seekers", _("Demandeurs d'emploi")
    LONG_TERM_JOB_SEEKERS = "long_term_job_seekers", _("Demandeurs d'emploi de longue durée")
    RSA_RECIPIENTS = "rsa_recipients", _("Allocataires du RSA")
    RQTH = "rqth", _("Travailleurs handicapés (RQTH)")


class QualificationLevel(models.IntegerChoices):
    """The French national scale of qualification levels, in the words candidates use."""

    NONE = 0, _("Aucun diplôme (ou brevet des collèges)")
    LEVEL_3 = 3, _("CAP, BEP")
    LEVEL_4 = 4, _("Baccalauréat (général, technologique ou professionnel)")
    LEVEL_5 = 5, _("Bac+2 (BTS, DUT, DEUST)")
    LEVEL_6 = 6, _("Bac+3 ou bac+4 (licence, BUT, master 1)")
    LEVEL_7 = 7, _("Bac+5 (master, diplôme d'ingénieur)")
    LEVEL_8 = 8, _("Doctorat")


class TrackFamily(models.TextChoices):
    """The families Paris Code reports by (season 1: 33 % developers, 19 % digital marketing…)."""

    DEVELOPMENT = "development", _("Développeurs")
    DIGITAL_MARKETING = "digital_marketing", _("Marketing digital")
    PROJECT_MANAGEMENT = "project_management", _("Chefs de projet, consultants, community managers")
    ECOMMERCE = "ecommerce", _("E-commerce")
    CYBERSECURITY = "cybersecurity", _("Cybersécurité")
    OTHER = "other", _("Autres")


class Track(models.TextChoices):
    WEB_DEVELOPER = "web_developer", _("Développeur web")
    WEB_INTEGRATOR = "web_integrator", _("Intégrateur web")
    MOBILE_DEVELOPER = "mobile_developer", _("Développeur d'applications web et mobile")
    DATA_ANALYST = "data_analyst", _("Analyste de données")
    CYBERSECURITY = "cybersecurity", _("Cybersécurité")
    DIGITAL_MARKETING = "digital_marketing", _("Marketing digital")
    PROJECT_MANAGER = "project_manager", _("Chef de projet digital")
    COMMUNITY_MANAGER = "community_manager", _("Community manager")
    ECOMMERCE = "ecommerce", _("E-commerce")
    DIGITAL_REFERENT = "digital_referent", _("Référent numérique")
    NETWORK_TECHNICIAN = "network_technician", _("Technicien réseaux")

    @property
    def family(self):
        return TRACK_FAMILIES[self]


TRACK_FAMILIES = {
    Track.WEB_DEVELOPER: TrackFamily.DEVELOPMENT,
    Track.WEB_INTEGRATOR: TrackFamily.DEVELOPMENT,
    Track.MOBILE_DEVELOPER: TrackFamily.DEVELOPMENT,
    Track.DATA_ANALYST: TrackFamily.OTHER,
    Track.CYBERSECURITY: TrackFamily.CYBERSECURITY,
    Track.DIGITAL_MARKETING: TrackFamily.DIGITAL_MARKETING,
    Track.PROJECT_MANAGER: TrackFamily.PROJECT_MANAGEMENT,
    Track.COMMUNITY_MANAGER: TrackFamily.PROJECT_MANAGEMENT,
    Track.ECOMMERCE: TrackFamily.ECOMMERCE,
    Track.DIGITAL_REFERENT: TrackFamily.OTHER,
    Track.NETWORK_TECHNICIAN: TrackFamily.OTHER,
}


class SelectionStep(models.TextChoices):
    APPLICATION = "application", _("Dossier de candidature")
    INFORMATION_MEETING = "information_meeting", _("Réunion d'information")
    TEST = "test", _("Tests")
    INTERVIEW = "interview", _("Entretien oral")


class Funder(models.Model):
    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=100, blank=True, help_text=_("Ville, État, Europe, entreprise…"))

    class Meta:
        verbose_name = _("financeur")
        verbose_name_plural = _("financeurs")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProgrammeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def open_for_applications(self, on=None):
        today = on or timezone.localdate()
        return self.published().filter(
            Q(applications_open_on__isnull=True) | Q(applications_open_on__lte=today),
            Q(applications_close_on__isnull=True) | Q(applications_close_on__gte=today),
        )


class Programme(models.Model):
    class WaitlistMode(models.TextChoices):
        AUTOMATIC = "automatic", _("Proposer automatiquement la place au suivant")
        PROPOSE_TO_STAFF = "propose_to_staff", _("Signaler la place libre à l'équipe")

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    short_name = models.CharField(_("nom court"), max_length=60, blank=True)
    season = models.CharField(
        _("saison"), max_length=60, blank=True, help_text=_("Par exemple « Saison 2 (2017-2018) ».")
    )
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("site web"), blank=True)
    funders = models.ManyToManyField(Funder, through="Funding", verbose_name=_("financeurs"), blank=True)
    applications_open_on = models.DateField(_("ouverture des candidatures"), null=True, blank=True)
    applications_close_on = models.DateField(_("clôture des candidatures"), null=True, blank=True)
    is_published = models.BooleanField(_("publié"), default=True)
    # The structures that run this programme's sessions: their staff may propose sessions of it
    # from the centre space (municipal staff keep this list; a migration started it from the
    # structures already running sessions of each programme).
    training_providers = models.ManyToManyField(
        "TrainingProvider",
        verbose_name=_("structures de formation du programme"),
        related_name="programmes",
        blank=True,
        help_text=_("Leurs équipes peuvent proposer des sessions de ce programme depuis l'espace centre."),
    )
    max_active_applications = models.PositiveSmallIntegerField(
        _("candidatures actives par personne"),
        default=3,
        help_text=_("Nombre maximal de candidatures en cours d'une même personne dans ce programme."),
    )
    offer_deadline_days = models.PositiveSmallIntegerField(
        _("délai de réponse à une proposition de place (jours)"), default=7
    )
    # Candidates rank their applications to the programme (their « vœux »); the order decides what
    # an accepted seat releases. Frozen after this date so that centres can plan.
    wishes_ranking_closes_on = models.DateField(
        _("classement des vœux modifiable jusqu'au"),
        null=True,
        blank=True,
        help_text=_(
            "Vide : jusqu'à la clôture des candidatures du programme (ou sans limite si elle n'est pas fixée)."
        ),
    )
    waitlist_mode = models.CharField(
        _("liste d'attente"), max_length=20, choices=WaitlistMode.choices, default=WaitlistMode.AUTOMATIC
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(applications_close_on__isnull=True)
                | Q(applications_open_on__isnull=True)
                | Q(applications_close_on__gte=F("applications_open_on")),
                name="programme_window_ordered",
            ),
            models.CheckConstraint(condition=Q(offer_deadline_days__gte=1), name="programme_offer_deadline_positive"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("programmes:programme_detail", args=[self.slug])


class Funding(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="fundings")
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="fundings")
    amount = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("financement")
        verbose_name_plural = _("financements")
        constraints = [
            models.UniqueConstraint(fields=["programme", "funder"], name="funding_unique"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="funding_amount_positive"),
        ]

    def __str__(self):
        return f"{self.funder} → {self.programme}"


class ProgrammeLabel(models.Model):
    """A label awarded to a programme at a date, e.g. « Grande École du Numérique » on 3 Feb 2016."""

    class Name(models.TextChoices):
        GRANDE_ECOLE_DU_NUMERIQUE = "gen", _("Grande École du Numérique")
        FRENCH_TECH = "french_tech", _("French Tech")
        OTHER = "other", _("Autre")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(_("label"), max_length=30, choices=Name.choices)
    awarded_on = models.DateField(_("attribué le"))

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="programme_label_unique")]

    def __str__(self):
        return f"{self.get_name_display()} ({self.awarded_on:%d/%m/%Y})"


class ProgrammeAudience(models.Model):
    """A priority audience of a programme, with the share of applicants it aims to reach."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="audiences")
    audience = models.CharField(_("public"), max_length=40, choices=PriorityAudience.choices)
    target_percent = models.PositiveSmallIntegerField(_("objectif (%)"), null=True, blank=True)

    class Meta:
        verbose_name = _("public prioritaire")
        verbose_name_plural = _("publics prioritaires")
        constraints = [
            models.UniqueConstraint(fields=["programme", "audience"], name="programme_audience_unique"),
            models.CheckConstraint(
                condition=Q(target_percent__isnull=True) | Q(target_percent__lte=100), name="audience_target_percent"
            ),
        ]

    def __str__(self):
        return self.get_audience_display()


class TrainingProvider(models.Model):
    """A training structure (Simplon.co, LePoleS, POP School…)."""

    class Kind(models.TextChoices):
        SOCIAL_ECONOMY_SCHOOL = "social_economy", _("École de l'économie sociale et solidaire")
        PRIVATE_SCHOOL = "private_school", _("École privée")
        UNIVERSITY = "university", _("Université ou école d'ingénieurs")
        COMPANY = "company", _("Entreprise")
        CONTINUING_EDUCATION = "continuing_education", _("Formation continue (CFA, GRETA)")
        ASSOCIATION = "association", _("Association")

    name = models.CharField(_("nom"), max_length=200, unique=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    kind = models.CharField(_("type de structure"), max_length=30, choices=Kind.choices)
    website = models.URLField(_("site web"), blank=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ProviderMembership", related_name="training_providers", blank=True
    )

    class Meta:
        verbose_name = _("structure de formation")
        verbose_name_plural = _("structures de formation")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProviderMembership(models.Model):
    class Role(models.TextChoices):
        MANAGER = "manager", _("Responsable")
        STAFF = "staff", _("Équipe pédagogique")

    provider = models.ForeignKey(TrainingProvider, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships")
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre d'une structure")
        verbose_name_plural = _("membres des structures")
        constraints = [models.UniqueConstraint(fields=["provider", "user"], name="provider_membership_unique")]

    def __str__(self):
        return f"{self.user} — {self.provider} ({self.get_role_display()})"


class TrainingSite(models.Model):
    provider = models.ForeignKey(TrainingProvider, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("nom"), max_length=200)
    address = models.CharField(_("adresse"), max_length=255)
    postcode = models.CharField(_("code postal"), max_length=5)
    commune = models.CharField(_("commune"), max_length=120)
    departement = models.CharField(_("département"), max_length=3, help_text=_("Numéro, par exemple 92 ou 2A."))
    in_qpv = models.BooleanField(_("dans un quartier prioritaire (QPV)"), default=False)
    qpv_name = models.CharField(_("nom du quartier prioritaire"), max_length=200, blank=True)
    # How candidates reach the site's team (shown on the session and application pages and in
    # convocations): a candidate who cannot come must be able to say so.
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    contact_phone = models.CharField(_("téléphone de contact"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("lieu de formation")
        verbose_name_plural = _("lieux de formation")
        ordering = ["commune", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="site_unique_per_provider"),
            models.CheckConstraint(condition=Q(postcode__regex=r"^[0-9]{5}$"), name="site_postcode_5_digits"),
        ]

    def __str__(self):
        return f"{self.name} ({self.commune})"

    @property
    def full_address(self):
        """« Simplon.co Paris 20e, 12 rue des Orteaux, 75020 Paris »: what a convocation must say."""
        return f"{self.name}, {self.address}, {self.postcode} {self.commune}"


class SessionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True, programme__is_published=True)

    def open_for_applications(self, on=None):
        today = on or timezone.localdate()
        return self.published().filter(applications_open_on__lte=today, applications_close_on__gte=today)

    def for_provider_member(self, user):
        return self.filter(site__provider__memberships__user=user)

    def with_seats_left(self):
        """Only the sessions with a seat left (the catalogue's « places libres »), from the seat
        figures kept on the row."""
        return self.filter(capacity__gt=F("seats_offered") + F("seats_accepted") + F("seats_enrolled"))


class Session(models.Model):
    """A cohort of a programme at one site."""

    class Rhythm(models.TextChoices):
        FULL_TIME = "full_time", _("Temps plein")
        PART_TIME = "part_time", _("Temps partiel")

    class Delivery(models.TextChoices):
        ON_SITE = "on_site", _("Sur place")
        REMOTE = "remote", _("À distance")
        HYBRID = "hybrid", _("Mixte (sur place et à distance)")

    class LearnerStatus(models.TextChoices):
        SALARIED = "salaried", _("Salarié (rémunéré au SMIC)")
        TRAINEE = "trainee", _("Stagiaire de la formation professionnelle")

    class Publication(models.TextChoices):
        DRAFT = "draft", _("brouillon (structure)")
        TO_VALIDATE = "to_validate", _("à valider par la Ville")
        PUBLISHED = "published", _("publiée")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="sessions")
    site = models.ForeignKey(TrainingSite, on_delete=models.PROTECT, related_name="sessions")
    name = models.CharField(_("intitulé"), max_length=200)
    track = models.CharField(_("métier"), max_length=30, choices=Track.choices)
    rhythm = models.CharField(_("rythme"), max_length=20, choices=Rhythm.choices, default=Rhythm.FULL_TIME)
    delivery = models.CharField(_("modalité"), max_length=20, choices=Delivery.choices, default=Delivery.ON_SITE)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    hours_per_week = models.PositiveSmallIntegerField(_("heures par semaine"), default=35)
    applications_open_on = models.DateField(_("ouverture des candidatures"))
    applications_close_on = models.DateField(_("clôture des candidatures"))
    capacity = models.PositiveIntegerField(_("nombre de places"))
    learner_status = models.CharField(
        _("statut des apprenants"), max_length=20, choices=LearnerStatus.choices, default=LearnerStatus.TRAINEE
    )
    cost_per_trainee = models.DecimalField(
        _("coût par apprenant (€)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    selection_steps = models.JSONField(
        _("étapes de sélection"),
        default=list,
        blank=True,
        help_text=_("Dans l'ordre, parmi : application, information_meeting, test, interview."),
    )
    description = models.TextField(_("description"), blank=True)
    audience_description = models.TextField(_("pour qui ?"), blank=True)
    certification = models.CharField(_("certification visée"), max_length=200, blank=True)
    # A session created by its training centre is a draft, then waits for a municipal agent's
    # publication (candidates.seats: PUBLICATION_MOVES); one the City creates is published at
    # once. ``is_published`` is derived, never written.
    publication = models.CharField(
        _("publication"), max_length=20, choices=Publication.choices, default=Publication.PUBLISHED, db_index=True
    )
    is_published = models.GeneratedField(
        expression=Q(publication="published"),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("publiée"),
    )
    # Seat figures, kept by the seat service and the workflow service (candidates) in the same
    # transaction as every status change that moves them, under this row's lock: pages read them,
    # never count applications. Which statuses they count is candidates.workflow's business.
    seats_offered = models.PositiveIntegerField(_("places proposées"), default=0, editable=False)
    seats_accepted = models.PositiveIntegerField(_("places acceptées"), default=0, editable=False)
    seats_enrolled = models.PositiveIntegerField(_("inscrits"), default=0, editable=False)
    waitlist_size = models.PositiveIntegerField(_("liste d'attente"), default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The seat figures change with every offer: the audit trail follows what people edit.
    history = HistoricalRecords(
        excluded_fields=["is_published", "seats_offered", "seats_accepted", "seats_enrolled", "waitlist_size"]
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=0), name="session_capacity_not_negative"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="session_ends_after_start"),
            models.CheckConstraint(
                condition=Q(applications_close_on__gte=F("applications_open_on")),
                name="session_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(cost_per_trainee__isnull=True) | Q(cost_per_trainee__gte=0),
                name="session_cost_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["applications_open_on", "applications_close_on"], name="session_window_idx")]

    def __str__(self):
        return f"{self.name} — {self.site.commune} ({self.starts_on:%m/%Y})"

    def get_absolute_url(self):
        return reverse("programmes:session_detail", args=[self.pk])

    @property
    def provider(self):
        return self.site.provider

    @property
    def seats_taken(self):
        """Seats offered, accepted or filled."""
        return self.seats_offered + self.seats_accepted + self.seats_enrolled

    @property
    def seats_left(self):
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_full(self):
        return self.seats_taken >= self.capacity

    @property
    def duration_months(self):
        """Length in whole months, rounded (a 1 March – 31 December course lasts 10 months)."""
        return max(1, round((self.ends_on - self.starts_on).days / 30.44))

    @property
    def track_family(self):
        return TRACK_FAMILIES[Track(self.track)]

    def is_open_for_applications(self, on=None):
        today = on or timezone.localdate()
        return self.is_published and self.applications_open_on <= today <= self.applications_close_on

    def get_selection_steps_display(self):
        return [SelectionStep(step).label for step in self.selection_steps if step in SelectionStep.values]


class QpvPolicy(models.TextChoices):
    REQUIRED = "required", _("Obligatoire")
    PRIORITY = "priority", _("Prioritaire seulement")
    IGNORED = "ignored", _("Sans effet")


class EligibilityRuleSetQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)

    def current_for(self, session):
        """The rules in force for a session: its own current override if any, else its
        programme's current version (None when the programme has no rules yet)."""
        rule_sets = self.current().filter(
            Q(session=session) | Q(programme_id=session.programme_id, session__isnull=True)
        )
        by_scope = {rule_set.session_id is not None: rule_set for rule_set in rule_sets}
        return by_scope.get(True) or by_scope.get(False)

    def current_for_sessions(self, sessions):
        """``{session_id: rule set or None}`` for many sessions in one query (batch screening)."""
        sessions = list(sessions)
        rule_sets = self.current().filter(
            Q(session__in=[s.pk for s in sessions])
            | Q(programme_id__in={s.programme_id for s in sessions}, session__isnull=True)
        )
        overrides, programme_rules = {}, {}
        for rule_set in rule_sets:
            if rule_set.session_id is not None:
                overrides[rule_set.session_id] = rule_set
            else:
                programme_rules[rule_set.programme_id] = rule_set
        return {s.pk: overrides.get(s.pk) or programme_rules.get(s.programme_id) for s in sessions}


class EligibilityRuleSet(models.Model):
    """One version of a programme's eligibility rules, optionally overridden for one session.

    Rules are never edited in place: a change saves a new version (see programmes.admin and the
    screening service), so every stored screening points at the exact rules it applied."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rule_sets")
    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        related_name="rule_sets",
        null=True,
        blank=True,
        help_text=_("Laisser vide pour les règles du programme ; remplir pour une exception propre à une session."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("en vigueur"), default=True)
    min_age = models.PositiveSmallIntegerField(_("âge minimum"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(
        _("âge maximum"), null=True, blank=True, help_text=_("Âge au premier jour de la session, inclus.")
    )
    max_qualification_level = models.PositiveSmallIntegerField(
        _("niveau de diplôme maximum"), choices=QualificationLevel.choices, null=True, blank=True
    )
    job_seeker_required = models.BooleanField(_("inscription à France Travail obligatoire"), default=False)
    min_job_seeker_months = models.PositiveSmallIntegerField(
        _("ancienneté minimale d'inscription (mois)"), null=True, blank=True
    )
    allowed_departements = models.JSONField(_("départements acceptés"), default=list, blank=True)
    allowed_communes = models.JSONField(_("communes acceptées"), default=list, blank=True)
    qpv_policy = models.CharField(
        _("résidence en QPV"), max_length=20, choices=QpvPolicy.choices, default=QpvPolicy.IGNORED
    )
    priority_weights = models.JSONField(
        _("poids des publics prioritaires"),
        default=dict,
        blank=True,
        help_text=_('Par exemple {"women": 10, "qpv_residents": 15}.'),
    )
    # The conditions in « Facile à lire et à comprendre », as staff wrote them for these rules
    # (versioned with them); empty: the portal writes them from the rules (programmes.views).
    easy_read_conditions = models.TextField(
        _("conditions en « Facile à lire et à comprendre » (FALC)"),
        blank=True,
        help_text=_(
            "Une phrase courte par ligne, une idée par phrase, des mots de tous les jours. Vide : le portail "
            "écrit les conditions en FALC à partir des règles."
        ),
    )
    comment = models.TextField(_("motif de la modification"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    history = HistoricalRecords()

    objects = EligibilityRuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("règles d'éligibilité")
        verbose_name_plural = _("règles d'éligibilité")
        ordering = ["programme", "session", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "version"],
                condition=Q(session__isnull=True),
                name="ruleset_programme_version_unique",
            ),
            models.UniqueConstraint(
                fields=["session", "version"],
                condition=Q(session__isnull=False),
                name="ruleset_session_version_unique",
            ),
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(is_current=True, session__isnull=True),
                name="ruleset_one_current_per_programme",
            ),
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(is_current=True, session__isnull=False),
                name="ruleset_one_current_per_session",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(max_age__gte=F("min_age")),
                name="ruleset_age_bounds_ordered",
            ),
        ]

    def __str__(self):
        scope = self.session or self.programme
        return f"{scope} — v{self.version}"
