"""The Celery app: configured from Django settings (CELERY_* names), tasks discovered in each app.

Every task derives from PortalTask. Enqueue with ``task.delay_on_commit(pk)`` (or
``apply_async_on_commit``): the task is recorded in the surrounding transaction and its message
leaves only once that transaction has committed (portal.deferred), so a worker never looks for a
row that does not exist yet, a rolled-back request sends nothing, and a broker outage delays the
task instead of losing it. Tasks take primary keys, never model instances, and must be idempotent
(acks_late re-delivers a task whose worker died; the sweep re-publishes a task whose run was lost).
"""

import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.exceptions import Retry

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


# portal.deferred is imported inside the methods below, not at the top: this module is loaded with
# Django's settings (portal/__init__.py), before any model may be imported, and deferred uses models.


class PortalTask(DjangoTask):
    acks_late = True
    # Transient errors (a database restart, a broker hiccup) are retried with growing delays.
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 8

    def delay_on_commit(self, *args, **kwargs):
        """Record the task in the current transaction, publish it after commit (portal.deferred)."""
        from . import deferred

        return deferred.defer(self, args, kwargs)

    def apply_async_on_commit(self, args=None, kwargs=None, **options):
        from . import deferred

        return deferred.defer(self, args, kwargs, **options)

    def __call__(self, *args, **kwargs):
        row_id = (self.request.headers or {}).get(deferred_header())
        if row_id is None:
            return super().__call__(*args, **kwargs)
        from . import deferred

        # In eager mode (no broker) the task runs inside its caller, retries inline: no claim.
        if not self.request.is_eager and not deferred.claim(row_id):
            return None  # another copy of the message ran (or is running) this recorded task
        try:
            result = super().__call__(*args, **kwargs)
        except Retry as retry:
            deferred.release(row_id, retry_at=retry.when, error=retry.exc)
            raise
        except deferred.TRANSIENT_ERRORS as error:
            deferred.release(row_id, error=error)  # the database blinked: the sweep runs it again
            raise
        except Exception as error:
            deferred.fail(row_id, error)
            raise
        deferred.finish(row_id)
        return result


def deferred_header():
    from .deferred import HEADER

    return HEADER


app = Celery("portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
