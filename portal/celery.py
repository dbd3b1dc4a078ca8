"""The Celery app: configured from Django settings (CELERY_* names), tasks discovered in each app.

Every task derives from PortalTask. Enqueue with ``task.delay_on_commit(pk)`` (or
``apply_async_on_commit``): the message leaves only once the surrounding transaction has committed,
so a worker never looks for a row that does not exist yet, and a rolled-back request sends nothing.
Tasks take primary keys, never model instances, and must be idempotent (acks_late re-delivers a
task whose worker died).
"""

import os

from celery import Celery
from celery.contrib.django.task import DjangoTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


class PortalTask(DjangoTask):
    acks_late = True
    # Transient errors (a database restart, a broker hiccup) are retried with growing delays.
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 8


app = Celery("portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
