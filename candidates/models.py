"""Candidates, their applications, the applications' history, documents, appointments and screenings."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal import public_cache
from portal.storage import private_storage
from portal.uploads import EXTENSIONS, stored_name
from programmes.eligibility import age_on
from programmes.models import PriorityAudience, QualificationLevel

# The advisers' models (organisations, members, supports) are this app's too: imported here so
# that Django registers them with the others.
from .advisers.models import (  # noqa: F401 — registered as candidates' models
    AdviserInvitation,
    AdviserMembership,
    AdviserOrganisation,
    OrganisationKind,
    Support,
)
from .workflow import ACTIVE_STATUSES, SEAT_HOLDING_STATUSES, UNSENT_STATUSES, Actor, RefusalReason, Status

postcode_validator = RegexValidator(r"^[0-9]{5}$", _("Saisissez un code postal à 5 chiffres, par exemple 75019."))


class IdentityProvider(models.TextChoices):
    FRANCECONNECT = "franceconnect", "FranceConnect"


class CandidateProfile(models.Model):
    class Gender(models.TextChoices):
        WOMAN = "woman", _("Femme")
        MAN = "man", _("Homme")
        OTHER = "other", _("Autre")
        UNDISCLOSED = "undisclosed", _("Je préfère ne pas répondre")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="candidate_profile")
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    gender = models.CharField(
        _("genre"),
        max_length=20,
        choices=Gender.choices,
        blank=True,
        help_text=_("Facultatif. Sert uniquement aux statistiques d'égalité du programme."),
    )
    postcode = models.CharField(_("code postal"), max_length=5, blank=True, validators=[postcode_validator])
    commune = models.CharField(_("commune"), max_length=120, blank=True)
    lives_in_qpv = models.BooleanField(_("j'habite dans un quartier prioritaire (QPV)"), null=True, blank=True)
    is_job_seeker = models.BooleanField(_("inscrit à France Travail (ex-Pôle emploi)"), null=True, blank=True)
    job_seeker_since = models.DateField(_("inscrit depuis le"), null=True, blank=True)
    qualification_level = models.PositiveSmallIntegerField(
        _("diplôme le plus élevé"), choices=QualificationLevel.choices, null=True, blank=True
    )
    receives_rsa = models.BooleanField(_("je perçois le RSA"), null=True, blank=True)
    has_rqth = models.BooleanField(_("je bénéficie d'une RQTH"), null=True, blank=True)
    # RQTH is health-related data: « Je préfère ne pas répondre » is a legitimate answer, kept apart
    # from « never asked » so that the form shows it as chosen (has_rqth stays None).
    rqth_undisclosed = models.BooleanField(_("préfère ne pas dire s'il a une RQTH"), default=False)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    # The identity (names on the account, birth date, birth place, gender) as FranceConnect vouched
    # for it: set only from FranceConnect, then read-only for the candidate.
    identity_verified_by = models.CharField(
        _("identité vérifiée par"), max_length=20, choices=IdentityProvider.choices, blank=True
    )
    identity_verified_at = models.DateTimeField(_("identité vérifiée le"), null=True, blank=True)
    birth_place = models.CharField(_("commune de naissance (code INSEE)"), max_length=5, blank=True)
    birth_country = models.CharField(_("pays de naissance (code INSEE)"), max_length=5, blank=True)
    privacy_consent_at = models.DateTimeField(_("accord sur la politique de confidentialité le"), null=True, blank=True)
    contact_consent = models.BooleanField(_("accepte d'être contacté par les partenaires"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profil candidat")
        verbose_name_plural = _("profils candidats")
        constraints = [
            models.CheckConstraint(
                condition=Q(job_seeker_since__isnull=True) | Q(is_job_seeker=True),
                name="profile_job_seeker_since_needs_registration",
            ),
            models.CheckConstraint(
                condition=Q(rqth_undisclosed=False) | Q(has_rqth__isnull=True),
                name="profile_rqth_undisclosed_has_no_answer",
            ),
        ]

    def __str__(self):
        return str(self.user)

    @property
    def identity_is_verified(self):
        return bool(self.identity_verified_by)


class ScreeningOutcome(models.TextChoices):
    ELIGIBLE = "eligible", _("Éligible")
    NOT_ELIGIBLE = "not_eligible", _("Non éligible")
    TO_BE_CHECKED = "to_be_checked", _("À vérifier")


# The priority audiences and the application's column that records each (fixed at submission from
# the profile and the session's start, by the screening): the one table of that mapping, read by the
# screening, the admin's filters, the exports, the dashboard and the demo's synthetic candidates.
AUDIENCE_FLAGS = {
    PriorityAudience.WOMEN: "is_woman",
    PriorityAudience.UNDER_26_WITHOUT_DIPLOMA: "is_under_26_without_diploma",
    PriorityAudience.AGED_50_PLUS: "is_aged_50_plus",
    PriorityAudience.QPV_RESIDENTS: "is_qpv_resident",
    PriorityAudience.JOB_SEEKERS: "is_job_seeker",
    PriorityAudience.LONG_TERM_JOB_SEEKERS: "is_long_term_job_seeker",
    PriorityAudience.RSA_RECIPIENTS: "receives_rsa",
    PriorityAudience.RQTH: "has_rqth",
}


# « Mes candidatures » (candidates.views.applications) is served from the cache per person under a
# version of theirs (portal.public_cache.personal_fragment). Every write of applications forgets
# their people's version once committed, through the hooks of Application and of its queryset
# below (save, delete, create, update, bulk_create, bulk_update): no write path needs to remember
# it. Writes those hooks do not see name the people themselves (the screening's raw UPDATE).
MY_APPLICATIONS = "my-applications"


def my_applications_changed(person_ids):
    """The applications of ``person_ids`` changed (or will, once the transaction commits)."""
    public_cache.bump_personal_versions(MY_APPLICATIONS, person_ids)


class ApplicationQuerySet(models.QuerySet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._people = None

    def _clone(self):
        clone = super()._clone()
        clone._people = self._people
        return clone

    def of_people(self, person_ids):
        """Say whose rows these are, when the caller has read it already: ``update()``,
        ``delete()`` and ``bulk_update()`` then bump these people's « Mes candidatures » without
        reading the rows' candidates first (one query less on the hot paths). Not a filter."""
        clone = self._chain()
        clone._people = set(person_ids)
        return clone

    def _people_of_rows(self):
        """Whose rows these are: named by of_people(), else read (one query, and only while
        personal fragments are cached), just before the write. Filter such writes by primary key
        (or name the people): a row that another transaction makes match a wider filter in between
        would be written without its person being bumped."""
        if self._people is not None:
            return self._people
        if not public_cache.personal_versions_on():
            return set()
        rows = self._chain()
        rows.query.select_for_update = False  # a read of ids only; update() and delete() ignore it too
        return set(rows.order_by().values_list("candidate_id", flat=True).distinct())

    def update(self, **kwargs):
        people = self._people_of_rows()
        count = super().update(**kwargs)
        if count:
            my_applications_changed(people)
        return count

    update.alters_data = True

    def delete(self):
        people = self._people_of_rows()
        deleted = super().delete()
        if deleted[0]:
            my_applications_changed(people)
        return deleted

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        created = super().bulk_create(objs, *args, **kwargs)
        my_applications_changed(obj.candidate_id for obj in objs)
        return created

    # bulk_update() writes through update() (batch by batch): covered, with of_people() or not.

    def submitted(self):
        return self.exclude(status__in=UNSENT_STATUSES)

    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def holding_seat(self):
        return self.filter(status__in=SEAT_HOLDING_STATUSES)

    def of_candidate(self, user):
        return self.filter(candidate=user)

    def for_provider_member(self, user):
        return self.filter(session__site__provider__memberships__user=user)

    def waiting_list(self, session_id):
        """A session's waiting list in the order seats are offered: priority score, then the
        earliest submission."""
        return self.filter(session_id=session_id, status=Status.WAITLISTED).order_by(
            "-priority_score", "submitted_at", "pk"
        )

    def ranking_of(self, candidate_id, programme_id):
        """A person's active wishes in one programme, in their order of preference."""
        return self.filter(candidate_id=candidate_id, session__programme_id=programme_id, status__in=ACTIVE_STATUSES)

    def with_wish_position(self):
        """Annotate ``wish_position`` (1 = first choice, among the person's active wishes of the
        programme) and ``wish_count``: one subquery each, whatever the number of rows. Only the
        position is read: never which sessions the other wishes are for (privacy between centres)."""
        others = (
            Application.objects.filter(
                candidate_id=OuterRef("candidate_id"),
                session__programme_id=OuterRef("session__programme_id"),
                status__in=ACTIVE_STATUSES,
                wish_rank__isnull=False,
            )
            .order_by()
            .values("candidate_id")
        )
        higher = others.filter(wish_rank__lt=OuterRef("wish_rank")).annotate(n=Count("pk")).values("n")
        every = others.annotate(n=Count("pk")).values("n")
        return self.annotate(
            wish_position=Case(
                When(
                    wish_rank__isnull=False,
                    status__in=ACTIVE_STATUSES,
                    then=Coalesce(Subquery(higher, output_field=models.IntegerField()), 0) + 1,
                ),
                default=None,
                output_field=models.IntegerField(),
            ),
            wish_count=Coalesce(Subquery(every, output_field=models.IntegerField()), 0),
        )

    def waitlist_rank(self, application):
        """Where ``application`` stands (or would stand, once put there) in its session's waiting
        list: 1 + the waiting candidates ahead of it in the order of waiting_list()."""
        ahead = Q(priority_score__gt=application.priority_score)
        if application.submitted_at is not None:
            same_score = Q(priority_score=application.priority_score)
            ahead |= same_score & (
                Q(submitted_at__lt=application.submitted_at)
                | Q(submitted_at=application.submitted_at, pk__lt=application.pk)
            )
        waiting = self.filter(session_id=application.session_id, status=Status.WAITLISTED).exclude(pk=application.pk)
        return waiting.filter(ahead).count() + 1

    def oriented_by_member(self, user):
        """The applications an adviser may follow: prepared by an organisation ``user`` belongs
        to now, for a person who has not withdrawn that organisation's access."""
        return self.filter(
            Exists(AdviserMembership.objects.active().filter(user=user, organisation=OuterRef("oriented_by_id"))),
            Exists(
                Support.objects.current().filter(
                    organisation=OuterRef("oriented_by_id"), person=OuterRef("candidate_id")
                )
            ),
        )

    def visible_to(self, user):
        """Every view starts here: candidates see theirs, centre staff their sessions', municipal
        staff all. Anything else is a 404."""
        if not user.is_authenticated:
            return self.none()
        if user.is_municipal_staff:
            return self
        return self.filter(Q(candidate=user) | Q(session__site__provider__memberships__user=user)).distinct()


class Application(models.Model):
    Status = Status

    reference = models.UUIDField(_("référence"), default=uuid.uuid4, unique=True, editable=False)
    # Nulled when the candidate deletes their account: the application stays, anonymised, so that
    # the programme's figures (audience flags below) remain right.
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("candidat"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    session = models.ForeignKey(
        "programmes.Session", verbose_name=_("session"), on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(_("statut"), max_length=30, choices=Status.choices, default=Status.DRAFT, db_index=True)
    motivation = models.TextField(_("motivation"), blank=True)
    draft_step = models.CharField(_("étape du brouillon"), max_length=30, blank=True)
    # Not auto_now_add: the demo's synthetic applications (loaded in bulk) carry their own dates.
    created_at = models.DateTimeField(_("créée le"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    submitted_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)

    # Screening: the current screening (history in Screening) and its figures, copied here so
    # that lists can filter and sort without a join.
    current_screening = models.ForeignKey(
        "Screening",
        verbose_name=_("vérification en vigueur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    screening_outcome = models.CharField(_("éligibilité"), max_length=20, choices=ScreeningOutcome.choices, blank=True)
    priority_score = models.IntegerField(_("score de priorité"), default=0)

    # Priority audiences, fixed at submission from the profile and the session's start date.
    is_woman = models.BooleanField(_("femme"), default=False)
    is_under_26_without_diploma = models.BooleanField(_("moins de 26 ans sans diplôme"), default=False)
    is_aged_50_plus = models.BooleanField(_("50 ans et plus"), default=False)
    is_qpv_resident = models.BooleanField(_("habitant d'un QPV"), default=False)
    is_job_seeker = models.BooleanField(_("demandeur d'emploi"), default=False)
    is_long_term_job_seeker = models.BooleanField(_("demandeur d'emploi de longue durée"), default=False)
    receives_rsa = models.BooleanField(_("allocataire du RSA"), default=False)
    has_rqth = models.BooleanField(_("RQTH"), default=False)

    # The person's order of preference among their sent applications to the same programme (their
    # « vœux », candidates.wishes): 1 is the first choice. Given at submission after the last one;
    # the position shown is among the active wishes (wish_position), so gaps left by withdrawn
    # wishes never show.
    wish_rank = models.PositiveSmallIntegerField(_("rang du vœu"), null=True, blank=True)

    # Seat offer and waiting list.
    offer_expires_at = models.DateTimeField(_("réponse attendue avant le"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("en liste d'attente depuis"), null=True, blank=True)

    # Orientation: the organisation whose adviser prepared the application with the person (kept
    # for the figures even after the person withdraws the organisation's access).
    oriented_by = models.ForeignKey(
        "candidates.AdviserOrganisation",
        verbose_name=_("orientée par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("préparée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Refusal.
    refusal_reason = models.CharField(_("motif du refus"), max_length=30, choices=RefusalReason.choices, blank=True)
    refusal_reason_shared = models.BooleanField(_("motif communiqué au candidat"), default=False)
    refusal_message = models.TextField(_("message au candidat"), blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["-priority_score", "submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "session"], name="application_unique_per_session"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "awaiting_confirmation"]) | Q(submitted_at__isnull=False),
                name="application_submitted_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="seat_offered") | Q(offer_expires_at__isnull=False),
                name="application_offer_has_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"], name="application_session_status_idx"),
            models.Index(fields=["-priority_score", "submitted_at"], name="application_priority_idx"),
            models.Index(fields=["candidate", "wish_rank"], name="application_wish_rank_idx"),
        ]

    def __str__(self):
        who = self.candidate or _("candidat anonymisé")
        return f"{who} → {self.session_id and self.session.name}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        my_applications_changed([self.candidate_id])

    save.alters_data = True

    def delete(self, *args, **kwargs):
        candidate_id = self.candidate_id
        deleted = super().delete(*args, **kwargs)
        my_applications_changed([candidate_id])
        return deleted

    delete.alters_data = True

    @property
    def holds_seat(self):
        return self.status in SEAT_HOLDING_STATUSES

    @property
    def offer_is_open(self):
        return self.status == Status.SEAT_OFFERED and self.offer_expires_at and self.offer_expires_at > timezone.now()


class ApplicationEvent(models.Model):
    """One step of an application's history: from, to, who, why, when. Written only by
    candidates.services.transition (and by the screening service for re-screenings)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("de"), max_length=30, choices=Status.choices, blank=True)
    to_status = models.CharField(_("vers"), max_length=30, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_role = models.CharField(_("rôle"), max_length=20, choices=Actor.choices)
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("événement de candidature")
        verbose_name_plural = _("historique des candidatures")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"


def document_upload_to(instance, filename):
    # Generated names with the detected type's extension (the name given here is the portal's own,
    # see applying.add_document): the candidate's file name may carry personal data or a lie.
    extension = filename.rsplit(".", 1)[-1].lower()
    return stored_name("documents", extension if extension in EXTENSIONS else "bin")


class ApplicationDocument(models.Model):
    class Kind(models.TextChoices):
        CV = "cv", _("CV")
        JOB_SEEKER_PROOF = "job_seeker_proof", _("Attestation d'inscription à France Travail")
        RESIDENCE_PROOF = "residence_proof", _("Justificatif de domicile")
        DIPLOMA = "diploma", _("Diplôme")
        OTHER = "other", _("Autre justificatif")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("type de document"), max_length=30, choices=Kind.choices)
    file = models.FileField(_("fichier"), storage=private_storage, upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(_("format"), max_length=100)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(size__lte=5 * 1024 * 1024), name="document_at_most_5mb"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.original_name}"


class Appointment(models.Model):
    """A test or an interview a candidate is invited to, and its outcome once recorded."""

    class Kind(models.TextChoices):
        TEST = "test", _("Tests")
        INTERVIEW = "interview", _("Entretien")
        INFORMATION_MEETING = "information_meeting", _("Réunion d'information")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("À venir")
        PASSED = "passed", _("Réussi")
        FAILED = "failed", _("Non réussi")
        ABSENT = "absent", _("Absent")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="appointments")
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    starts_at = models.DateTimeField(_("date et heure"))
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), default=60)
    place = models.CharField(_("lieu"), max_length=255)
    what_to_bring = models.TextField(_("à apporter"), blank=True)
    outcome = models.CharField(_("résultat"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    score = models.DecimalField(_("note"), max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("résultat saisi le"), null=True, blank=True)

    class Meta:
        verbose_name = _("convocation")
        verbose_name_plural = _("convocations")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0), name="appointment_score_positive"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.starts_at:%d/%m/%Y %H:%M}"


class ApplicationMessage(models.Model):
    """A note on an application: internal comments stay among staff; messages reach the candidate;
    the candidate's own messages reach the training centre (or, before the centre sees the
    application, the municipal team)."""

    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("Commentaire interne")
        TO_CANDIDATE = "to_candidate", _("Message au candidat")
        FROM_CANDIDATE = "from_candidate", _("Message du candidat")

    class Topic(models.TextChoices):
        CANNOT_ATTEND = "cannot_attend", _("Je ne pourrai pas venir au rendez-vous")
        QUESTION = "question", _("J'ai une question")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    visibility = models.CharField(_("visibilité"), max_length=20, choices=Visibility.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("texte"))
    # A candidate's message: what it is about, and the appointment they cannot come to.
    topic = models.CharField(_("sujet"), max_length=20, choices=Topic.choices, blank=True)
    appointment = models.ForeignKey(
        "Appointment",
        verbose_name=_("rendez-vous concerné"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="candidate_messages",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.get_visibility_display()} ({self.created_at:%d/%m/%Y})"


class Screening(models.Model):
    """One dated eligibility screening. Never overwritten: a new one supersedes it, and the
    application points to its current screening."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="screenings")
    # Null only when the programme had no rules yet (the outcome is then "to be checked").
    rule_set = models.ForeignKey(
        "programmes.EligibilityRuleSet",
        verbose_name=_("règles appliquées"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="screenings",
    )
    inputs = models.JSONField(_("données examinées"))
    # A digest of (rules version, inputs): a re-run that would store the same thing stores nothing.
    signature = models.CharField(_("empreinte"), max_length=64, blank=True, editable=False)
    criteria = models.JSONField(_("résultat par critère"))
    outcome = models.CharField(_("résultat"), max_length=20, choices=ScreeningOutcome.choices)
    priority_score = models.IntegerField(_("score de priorité"), default=0)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    run_by_role = models.CharField(_("lancée par"), max_length=20, choices=Actor.choices, default=Actor.SYSTEM)
    created_at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)
    superseded_at = models.DateTimeField(_("remplacée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("vérification d'éligibilité")
        verbose_name_plural = _("vérifications d'éligibilité")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(superseded_at__isnull=True),
                name="screening_one_current_per_application",
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} ({self.created_at:%d/%m/%Y %H:%M})"


class CriterionVerificationQuerySet(models.QuerySet):
    def attestations(self):
        return self.filter(source=CriterionVerification.Source.ADVISER_ATTESTATION)

    def in_force(self, now):
        """Decisions that still count at ``now``: staff checks always; an adviser's attestation
        until it expires, and only while its organisation is habilitée."""
        return self.filter(
            Q(source=CriterionVerification.Source.STAFF_CHECK)
            | Q(expires_at__gt=now, organisation__is_habilitated=True)
        )


class CriterionVerification(models.Model):
    """A decision on one eligibility criterion, fed to the next screenings.

    Two sources, one meaning (« verified » or « rejected »): a municipal agent's check of an
    application after seeing a document (the France Travail certificate, a proof of address…), or
    the attestation of an adviser of an habilitée organisation about the person they support (job
    seeker registration, RSA, QPV residence, RQTH), valid for every application of that person
    until it expires (``ATTESTATION_VALIDITY_DAYS``). The latest decision in force per criterion
    counts; older ones stay as the log."""

    class Decision(models.TextChoices):
        VERIFIED = "verified", _("Vérifié")
        REJECTED = "rejected", _("Rejeté")

    class Criterion(models.TextChoices):
        AGE = "age", _("Âge")
        QUALIFICATION = "qualification", _("Niveau de diplôme")
        JOB_SEEKER = "job_seeker", _("Inscription à France Travail")
        RESIDENCE = "residence", _("Lieu de résidence")
        QPV = "qpv", _("Résidence en quartier prioritaire")
        RSA = "rsa", _("Allocataire du RSA")
        RQTH = "rqth", _("Reconnaissance de la qualité de travailleur handicapé (RQTH)")

    class Source(models.TextChoices):
        STAFF_CHECK = "staff", _("Contrôle de l'équipe municipale")
        ADVISER_ATTESTATION = "adviser", _("Attestation d'un conseiller habilité")

    # A staff check is about one application; an attestation is about the person.
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="criterion_verifications"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="criterion_attestations",
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.STAFF_CHECK)
    criterion = models.CharField(_("critère"), max_length=20, choices=Criterion.choices)
    decision = models.CharField(_("décision"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("commentaire"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "candidates.AdviserOrganisation",
        verbose_name=_("organisation qui atteste"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attestations",
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)
    expires_at = models.DateTimeField(_("valable jusqu'au"), null=True, blank=True)
    screening = models.ForeignKey(
        Screening,
        verbose_name=_("vérification d'éligibilité produite"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CriterionVerificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("contrôle d'un critère")
        verbose_name_plural = _("contrôles et attestations des critères")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["application", "criterion", "-created_at"], name="verification_latest_idx"),
            models.Index(
                fields=["person", "criterion", "-created_at"],
                name="attestation_latest_idx",
                condition=Q(person__isnull=False),
            ),
            models.Index(fields=["expires_at"], name="attestation_expiry_idx", condition=Q(expires_at__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(source="staff") & Q(application__isnull=False))
                | (
                    Q(source="adviser")
                    & Q(person__isnull=False)
                    & Q(organisation__isnull=False)
                    & Q(expires_at__isnull=False)
                ),
                name="verification_source_complete",
            ),
        ]

    def __str__(self):
        return f"{self.get_criterion_display()} : {self.get_decision_display()}"

    @property
    def is_attestation(self):
        return self.source == self.Source.ADVISER_ATTESTATION


class RescreeningRun(models.Model):
    """Progress of one batch re-screening of a programme's open applications (admin action)."""

    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminée")
        FAILED = "failed", _("Échouée")

    programme = models.ForeignKey(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="rescreening_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("demandée par"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(_("état"), max_length=20, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(_("candidatures à examiner"), default=0)
    processed = models.PositiveIntegerField(_("examinées"), default=0)
    rescreened = models.PositiveIntegerField(_("nouvelles vérifications"), default=0)
    status_changes = models.PositiveIntegerField(_("changements de statut"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("nouvelle vérification en lot")
        verbose_name_plural = _("nouvelles vérifications en lot")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.programme} — {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def percent(self):
        return 100 if not self.total else min(100, round(100 * self.processed / self.total))


class RescreeningChunk(models.Model):
    """One slice of a run's applications, re-screened by one task (``rescreen_chunk``): the run's
    chunks spread over the screening workers. The ids are kept here so that the task takes only
    this row's key, and a redelivered task finds its chunk finished and does nothing."""

    run = models.ForeignKey(RescreeningRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    application_ids = models.JSONField(default=list)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lot de candidatures à réexaminer")
        verbose_name_plural = _("lots de candidatures à réexaminer")
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="rescreening_chunk_unique_number")]

    def __str__(self):
        return f"{self.run} — {self.number}"


def export_upload_to(instance, filename):
    return f"exports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}-{filename}"


class ExportJob(models.Model):
    """An export built by a task: the (filtered) application list, or a funder's report; its file
    is private and downloadable by its requester only."""

    class Kind(models.TextChoices):
        APPLICATIONS = "applications", _("Liste des candidatures")
        ESF = "esf", _("Indicateurs FSE des participants")
        FRANCE_TRAVAIL = "france_travail", _("Rapport France Travail par agence")

    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        READY = "ready", _("Prêt")
        FAILED = "failed", _("Échec")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel (XLSX)")
        CSV = "csv", _("CSV")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("demandé par"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("contenu"), max_length=20, choices=Kind.choices, default=Kind.APPLICATIONS)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    # A report's scope (programme, period), as the form gave it.
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    query_string = models.TextField(_("filtres"), blank=True)
    include_personal_data = models.BooleanField(_("avec les données personnelles"), default=False)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    row_count = models.PositiveIntegerField(_("lignes"), null=True, blank=True)
    file = models.FileField(_("fichier"), storage=private_storage, upload_to=export_upload_to, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("export de candidatures")
        verbose_name_plural = _("exports de candidatures")
        ordering = ["-created_at"]
        permissions = [
            ("export_personal_data", _("Peut exporter les données personnelles des candidats")),
            ("export_funder_reports", _("Peut exporter les rapports des financeurs (FSE, France Travail)")),
        ]

    def __str__(self):
        return f"{self.get_format_display()} — {self.created_at:%d/%m/%Y %H:%M}"


# --- After the training: what became of the trainees (issue 19) -------------------------------


class AgeBand(models.TextChoices):
    """Age at entry, in the bands of the European Social Fund's indicators (and France's « moins
    de 25 ans »)."""

    UNDER_18 = "under_18", _("Moins de 18 ans")
    FROM_18_TO_24 = "18_24", _("18 à 24 ans")
    FROM_25_TO_29 = "25_29", _("25 à 29 ans")
    FROM_30_TO_54 = "30_54", _("30 à 54 ans")
    FROM_55 = "55_plus", _("55 ans et plus")

    @classmethod
    def of(cls, age):
        if age is None:
            return ""
        if age < 18:
            return cls.UNDER_18
        if age < 25:
            return cls.FROM_18_TO_24
        if age < 30:
            return cls.FROM_25_TO_29
        if age < 55:
            return cls.FROM_30_TO_54
        return cls.FROM_55


class Situation(models.TextChoices):
    """Someone's situation on the labour market, in the categories of the ESF's indicators."""

    EMPLOYED = "employed", _("En emploi salarié")
    SELF_EMPLOYED = "self_employed", _("À son compte (indépendant, auto-entrepreneur)")
    IN_TRAINING = "in_training", _("En formation ou en études")
    JOB_SEEKING = "job_seeking", _("En recherche d'emploi")
    INACTIVE = "inactive", _("Sans emploi et sans recherche d'emploi")


class TraineeFollowUpQuerySet(models.QuerySet):
    def open_for(self, application):
        """The follow-up of a trainee entering training (called by the workflow service at
        enrolment, inside its transaction): the situation at entry, from the profile as it is now
        and the audience flags fixed at submission. Idempotent."""
        existing = self.filter(application=application).first()
        if existing is not None:
            return existing
        profile = CandidateProfile.objects.filter(user_id=application.candidate_id).first()
        start = application.session.starts_on
        age = age_on(profile.birth_date, start) if profile and profile.birth_date else None
        return self.create(
            application=application,
            entered_on=start,
            gender=profile.gender if profile else "",
            age_band=AgeBand.of(age),
            qualification_level=profile.qualification_level if profile else None,
            entry_situation=Situation.JOB_SEEKING
            if application.is_job_seeker or (profile and profile.is_job_seeker)
            else "",
            long_term_unemployed=application.is_long_term_job_seeker,
        )

    def left_before(self, day):
        """Follow-ups of trainees whose training ended (their leaving date, else the session's end)
        before ``day``."""
        return self.filter(
            Q(left_on__isnull=False, left_on__lt=day) | Q(left_on__isnull=True, application__session__ends_on__lt=day)
        )


class TraineeFollowUp(models.Model):
    """One trainee's path: the situation at entry, fixed at enrolment from the profile (so that
    the European Social Fund's entry indicators survive the candidate's anonymisation), then the
    completion and the situation on leaving, and six months later — answered by the trainee from
    an emailed form or recorded by the training centre. Written only by candidates.follow_up
    (created at enrolment by the workflow service)."""

    class Qualification(models.TextChoices):
        OBTAINED = "obtained", _("Obtenue")
        NOT_OBTAINED = "not_obtained", _("Non obtenue")
        PENDING = "pending", _("Résultats pas encore connus")
        NONE_AIMED = "none", _("Pas de certification visée")

    class Source(models.TextChoices):
        TRAINEE = "trainee", _("Le stagiaire (questionnaire)")
        CENTRE = "centre", _("Le centre de formation")
        MUNICIPAL_STAFF = "municipal_staff", _("L'équipe municipale")

    application = models.OneToOneField(
        Application, verbose_name=_("candidature"), on_delete=models.CASCADE, related_name="follow_up"
    )
    # At entry (fixed at enrolment).
    entered_on = models.DateField(_("entrée en formation le"))
    gender = models.CharField(_("genre"), max_length=20, choices=CandidateProfile.Gender.choices, blank=True)
    age_band = models.CharField(_("âge à l'entrée"), max_length=10, choices=AgeBand.choices, blank=True)
    qualification_level = models.PositiveSmallIntegerField(
        _("diplôme le plus élevé à l'entrée"), choices=QualificationLevel.choices, null=True, blank=True
    )
    entry_situation = models.CharField(_("situation à l'entrée"), max_length=20, choices=Situation.choices, blank=True)
    long_term_unemployed = models.BooleanField(_("demandeur d'emploi de longue durée à l'entrée"), default=False)
    # On leaving.
    completed = models.BooleanField(_("formation suivie jusqu'au bout"), null=True, blank=True)
    left_on = models.DateField(_("sortie le"), null=True, blank=True)
    qualification = models.CharField(_("certification"), max_length=20, choices=Qualification.choices, blank=True)
    exit_situation = models.CharField(_("situation à la sortie"), max_length=20, choices=Situation.choices, blank=True)
    exit_source = models.CharField(_("renseigné par"), max_length=20, choices=Source.choices, blank=True)
    exit_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exit_recorded_at = models.DateTimeField(_("sortie renseignée le"), null=True, blank=True)
    exit_survey_sent_at = models.DateTimeField(_("questionnaire de sortie envoyé le"), null=True, blank=True)
    # Six months after leaving.
    six_month_situation = models.CharField(
        _("situation six mois après"), max_length=20, choices=Situation.choices, blank=True
    )
    six_month_source = models.CharField(_("renseigné par"), max_length=20, choices=Source.choices, blank=True)
    six_month_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    six_month_recorded_at = models.DateTimeField(_("situation à six mois renseignée le"), null=True, blank=True)
    six_month_survey_sent_at = models.DateTimeField(_("questionnaire à six mois envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = TraineeFollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("suivi d'un stagiaire")
        verbose_name_plural = _("suivis des stagiaires")
        ordering = ["-entered_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("entered_on")),
                name="follow_up_leaves_after_entry",
            ),
        ]

    def __str__(self):
        return f"{self.application} ({self.entered_on:%d/%m/%Y})"

    @property
    def leaving_date(self):
        """When the trainee left: as recorded, else the session's end."""
        return self.left_on or self.application.session.ends_on

    @property
    def exit_recorded(self):
        return self.exit_recorded_at is not None

    @property
    def six_month_recorded(self):
        return self.six_month_recorded_at is not None


# --- Open data (issue 19) ---------------------------------------------------------------------


class OpenDataRelease(models.Model):
    """One nightly publication of the open data: its files (suppressed aggregates only), the date
    of the data, and how many cells were withheld. The public URLs serve the latest one."""

    data_date = models.DateField(_("date des données"), unique=True)
    created_at = models.DateTimeField(_("publiée le"), default=timezone.now)
    threshold = models.PositiveSmallIntegerField(_("seuil de secret statistique"))
    suppressed_cells = models.PositiveIntegerField(_("cases masquées"), default=0)

    class Meta:
        verbose_name = _("publication de données ouvertes")
        verbose_name_plural = _("publications de données ouvertes")
        ordering = ["-data_date"]
        get_latest_by = "data_date"

    def __str__(self):
        return f"{self.data_date:%d/%m/%Y}"


class OpenDataFile(models.Model):
    """One file of a release (CSV, JSON or the datapackage), kept in the database so that every
    web server serves the same bytes without a shared disk."""

    release = models.ForeignKey(OpenDataRelease, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("nom"), max_length=200)
    media_type = models.CharField(_("type"), max_length=100)
    content = models.BinaryField(_("contenu"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("fichier de données ouvertes")
        verbose_name_plural = _("fichiers de données ouvertes")
        ordering = ["release", "name"]
        constraints = [models.UniqueConstraint(fields=["release", "name"], name="open_data_file_unique_name")]

    def __str__(self):
        return self.name


assert set(AUDIENCE_FLAGS) == set(PriorityAudience)  # every audience has its column
