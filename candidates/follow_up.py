"""What became of the trainees: completion and situation on leaving, and six months later.

The European Social Fund asks for these results; the portal did not keep them. A follow-up is
opened at enrolment by the workflow service (``TraineeFollowUp.objects.open_for``, with the
situation at entry). Then:

- the beat job ``queue_surveys`` emails each trainee a short form when they leave (the session's
  end, or the leaving date the centre recorded) and six months later, with one reminder a week
  after each (through the outbox; the reminder respects the trainee's reminder preference);
- the trainee answers from the link (``survey_token``: signed, for one follow-up and one stage,
  no login needed on a phone), or the training centre records it from its space;
- ``record_exit`` and ``record_six_months`` are the one door: they lock the row, check who may
  write, and keep who answered and when.

An answer already recorded by the centre is not overwritten by the trainee's form (the centre
holds the attendance sheets); the centre may always correct.
"""

import datetime

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import doors
from programmes.models import ProviderMembership

from .models import Situation, TraineeFollowUp
from .notifications import candidate_email, first_url, queue_all

EXIT = "sortie"
SIX_MONTHS = "six-mois"
STAGES = (EXIT, SIX_MONTHS)
SIX_MONTHS_AFTER = datetime.timedelta(days=182)
REMINDER_AFTER = datetime.timedelta(days=7)
# A form is emailed only while it is still worth answering: not for trainings that ended long ago
# (when the portal started following up, or after a long outage of the job).
SURVEY_WINDOW = datetime.timedelta(days=60)
SURVEY_SALT = "candidates.follow_up.survey"
SURVEY_LINK_VALID = datetime.timedelta(days=120)
Source = TraineeFollowUp.Source


class FollowUpNotAllowed(PermissionDenied):
    """The user may not record this trainee's follow-up."""


# --- Links ------------------------------------------------------------------------------------


def survey_token(follow_up, stage):
    return signing.dumps({"f": follow_up.pk, "s": stage}, salt=SURVEY_SALT, compress=True)


def follow_up_for_token(token):
    """``(follow_up, stage)`` for a link's token, or None when it is forged, expired or stale."""
    try:
        data = signing.loads(token, salt=SURVEY_SALT, max_age=SURVEY_LINK_VALID)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") not in STAGES:
        return None
    follow_up = (
        TraineeFollowUp.objects.select_related("application__session__programme", "application__session__site")
        .filter(pk=data.get("f"), application__candidate__isnull=False)
        .first()
    )
    return (follow_up, data["s"]) if follow_up is not None else None


def survey_url(follow_up, stage):
    return first_url([("candidates:follow_up_survey", [survey_token(follow_up, stage)])])


# --- Recording --------------------------------------------------------------------------------


def _may_record(user, follow_up):
    if user is None:
        return False
    if user.is_authenticated and user.is_active and user.is_municipal_staff:
        return True
    return ProviderMembership.objects.filter(
        user=user, provider__sites__sessions=follow_up.application.session_id
    ).exists()


def _locked(follow_up):
    # The follow-up's row only: its application and session are read, not locked (a session is
    # locked by the seat service, always before an application).
    return (
        TraineeFollowUp.objects.select_for_update(of=("self",))
        .select_related("application__session")
        .get(pk=follow_up.pk)
    )


def record_exit(
    follow_up,
    *,
    completed,
    situation,
    qualification="",
    left_on=None,
    entry_situation=None,
    source,
    actor=None,
):
    """Record how the trainee left: training followed to the end or not, certification, situation.
    ``source`` says who answers: the trainee (from the form: ``actor`` may be None, the link is the
    credential) or staff (``actor`` must be the session's centre or municipal staff). Returns the
    follow-up, or None when the trainee's answer came after the centre's (kept as it is)."""
    if situation not in Situation.values or (qualification and qualification not in TraineeFollowUp.Qualification):
        raise ValueError("unknown situation or qualification")
    with transaction.atomic():
        locked = _locked(follow_up)
        if source == Source.TRAINEE:
            if locked.exit_source in (Source.CENTRE, Source.MUNICIPAL_STAFF):
                return None
        elif not _may_record(actor, locked):
            raise FollowUpNotAllowed(_("Vous ne pouvez pas renseigner le suivi de ce stagiaire."))
        if left_on is not None and left_on < locked.entered_on:
            raise ValueError("left before entering")
        locked.completed = completed
        locked.exit_situation = situation
        locked.qualification = qualification
        if left_on is not None:
            locked.left_on = left_on
        if entry_situation is not None and source != Source.TRAINEE:
            locked.entry_situation = entry_situation
        locked.exit_source = source
        locked.exit_recorded_by = actor if actor is not None and actor.is_authenticated else None
        locked.exit_recorded_at = timezone.now()
        with doors.service_write():
            locked.save()
    return locked


def record_entry(follow_up, *, entry_situation, actor):
    """Complete the situation at entry (the centre knows it when the profile did not say)."""
    if entry_situation and entry_situation not in Situation.values:
        raise ValueError("unknown situation")
    with transaction.atomic():
        locked = _locked(follow_up)
        if not _may_record(actor, locked):
            raise FollowUpNotAllowed(_("Vous ne pouvez pas renseigner le suivi de ce stagiaire."))
        locked.entry_situation = entry_situation
        with doors.service_write():
            locked.save(update_fields=["entry_situation", "updated_at"])
    return locked


def record_six_months(follow_up, *, situation, source, actor=None):
    """Record the trainee's situation six months after leaving (same rules as record_exit)."""
    if situation not in Situation.values:
        raise ValueError("unknown situation")
    with transaction.atomic():
        locked = _locked(follow_up)
        if source == Source.TRAINEE:
            if locked.six_month_source in (Source.CENTRE, Source.MUNICIPAL_STAFF):
                return None
        elif not _may_record(actor, locked):
            raise FollowUpNotAllowed(_("Vous ne pouvez pas renseigner le suivi de ce stagiaire."))
        locked.six_month_situation = situation
        locked.six_month_source = source
        locked.six_month_recorded_by = actor if actor is not None and actor.is_authenticated else None
        locked.six_month_recorded_at = timezone.now()
        with doors.service_write():
            locked.save()
    return locked


def answered(follow_up, stage):
    return follow_up.exit_recorded if stage == EXIT else follow_up.six_month_recorded


# --- Emails (beat) ----------------------------------------------------------------------------


def _left_between(start, end):
    """Follow-ups whose trainee left in [start, end]: their leaving date, else the session's end."""
    return Q(left_on__isnull=False, left_on__gte=start, left_on__lte=end) | Q(
        left_on__isnull=True, application__session__ends_on__gte=start, application__session__ends_on__lte=end
    )


def queue_surveys(*, now=None):
    """Daily (beat): the forms due today (on leaving, six months later) and the reminders a week
    after a form was sent and not answered. Returns how many emails were queued."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    base = TraineeFollowUp.objects.filter(
        application__candidate__isnull=False, application__candidate__is_active=True
    ).select_related("application__candidate", "application__session__programme", "application__session__site")
    stages = (
        (EXIT, base.filter(_left_between(today - SURVEY_WINDOW, today), exit_recorded_at__isnull=True)),
        (
            SIX_MONTHS,
            base.filter(
                _left_between(today - SIX_MONTHS_AFTER - SURVEY_WINDOW, today - SIX_MONTHS_AFTER),
                six_month_recorded_at__isnull=True,
            ),
        ),
    )
    queued = 0
    for stage, due in stages:
        sent_field = "exit_survey_sent_at" if stage == EXIT else "six_month_survey_sent_at"
        first = list(due.filter(**{f"{sent_field}__isnull": True}))
        queued += queue_all(_survey_email(follow_up, stage) for follow_up in first)
        TraineeFollowUp.objects.filter(pk__in=[f.pk for f in first]).update(**{sent_field: now})
        reminders = due.filter(
            **{f"{sent_field}__lte": now - REMINDER_AFTER, f"{sent_field}__gt": now - 2 * REMINDER_AFTER},
            application__candidate__receives_reminders=True,
        )
        queued += queue_all(_survey_email(follow_up, stage, reminder=True) for follow_up in reminders)
    return queued


def _survey_email(follow_up, stage, *, reminder=False):
    application = follow_up.application
    suffix = ":reminder" if reminder else ""
    return candidate_email(
        application,
        kind=f"follow_up_{stage.replace('-', '_')}{'_reminder' if reminder else ''}",
        template="follow_up_survey",
        key=f"follow_up:{follow_up.pk}:{stage}{suffix}",
        why="reminder" if reminder else "follow_up",
        survey_url=survey_url(follow_up, stage),
        stage=stage,
        reminder=reminder,
    )
