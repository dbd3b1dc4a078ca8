"""The trail of accesses to candidates' personal data (``portal.models.AccessLog``).

Views that show or hand out a candidate's data to someone else (the admin's application page,
the centre's, document downloads, export downloads) call ``record_access``: one INSERT, in the
request. The trail is readable by superusers in the admin, never edited (the model, its
queryset and, on PostgreSQL, a trigger refuse it), and kept ``ACCESS_LOG_RETENTION_DAYS`` (a
year at least) before the nightly ``purge_access_log`` job deletes it.
"""

import datetime
import logging

from django.conf import settings
from django.utils import timezone

from .models import AccessLog
from .proxy import client_ip

logger = logging.getLogger(__name__)

Action = AccessLog.Action
MINIMUM_RETENTION_DAYS = 365


def retention_days():
    return max(getattr(settings, "ACCESS_LOG_RETENTION_DAYS", MINIMUM_RETENTION_DAYS), MINIMUM_RETENTION_DAYS)


def record_access(request, action, obj, *, space, candidate_id=None, detail=""):
    """Write who (``request.user``) did ``action`` on ``obj`` (a model instance) in ``space``
    ("admin", "centre", "site") and whose data it was (``candidate_id``)."""
    user = request.user
    return AccessLog.objects.create(
        actor_id=user.pk,
        actor_email=user.email,
        space=space,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        candidate_id=candidate_id,
        detail=detail[:500],
        ip_address=client_ip(request),
    )


def purge_access_log(*, now=None):
    """Delete the rows older than the retention period; returns how many."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=retention_days())
    deleted, _ = AccessLog.objects.purge_older_than(cutoff)
    if deleted:
        logger.info("audit: purged %s access log row(s) older than %s", deleted, cutoff.date())
    return deleted
