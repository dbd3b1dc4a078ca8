from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.user_cache import forget_user


class CandidatesConfig(AppConfig):
    name = "candidates"
    verbose_name = _("Candidats et candidatures")
    # Written only by their services (portal.doors): applications by the workflow service and the
    # services built on it (applying, screening, seats, personal data); appointments by invite()
    # and record_outcome(); trainees' follow-ups by the workflow service (at enrolment) and
    # candidates.follow_up.
    service_written_models = ("candidates.Application", "candidates.Appointment", "candidates.TraineeFollowUp")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from portal.identity.federation import identity_verified

        from .identity import apply_verified_identity
        from .models import ApplicationEvent, CandidateProfile

        # Seats left are on the public pages (portal.public_cache): every move that takes or frees
        # a seat writes an event through the workflow service.
        post_save.connect(seats_changed, sender=ApplicationEvent, dispatch_uid="public-pages:seats")
        # A candidate's identity as FranceConnect vouched for it fills the profile (candidates.identity).
        identity_verified.connect(apply_verified_identity, dispatch_uid="candidates.apply_verified_identity")
        # The profile is cached with the signed-in user (settings.AUTH_USER_CACHED_RELATIONS).
        post_save.connect(profile_changed, sender=CandidateProfile, dispatch_uid="candidates.profile_saved")
        post_delete.connect(profile_changed, sender=CandidateProfile, dispatch_uid="candidates.profile_deleted")


def profile_changed(sender, instance, **kwargs):
    forget_user(instance.user_id)


def seats_changed(sender, instance, created, **kwargs):
    from portal.public_cache import invalidate_on_commit

    from .workflow import SEAT_HOLDING_STATUSES

    if created and (instance.from_status in SEAT_HOLDING_STATUSES) != (instance.to_status in SEAT_HOLDING_STATUSES):
        invalidate_on_commit()
