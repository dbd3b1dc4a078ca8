"""One door for every act: models whose rows only their services write.

An app names, in its AppConfig, the models that only its services may write
(``service_written_models``: applications, appointments, sessions, rule sets). A service wraps its
own writes of them in ``service_write()``. ``guard()`` refuses any save or delete of those models
made outside such a block, by raising SideDoorWrite: an admin page saving a form, a ``form.save()``
in a view, a third-party admin view (simple-history's revert) would be side doors. The test suite
installs the guard around every test (conftest.py), so a side door fails the test that walks
through it; production code does not pay for the signal receivers.

The marker is a context variable: it follows the code that a service calls (the workflow service
called by the seat service…), and nothing else.
"""

import contextlib
import contextvars

from django.apps import apps
from django.db.models.signals import pre_delete, pre_save

_inside = contextvars.ContextVar("portal_service_write", default=0)


class SideDoorWrite(RuntimeError):
    """A service-written model was saved or deleted outside its service."""


@contextlib.contextmanager
def service_write():
    """Mark the writes made in this block as the service's own (blocks nest)."""
    token = _inside.set(_inside.get() + 1)
    try:
        yield
    finally:
        _inside.reset(token)


def inside_service():
    return _inside.get() > 0


def service_written_models():
    """The models that the installed apps declare as written only by their services."""
    return [
        apps.get_model(label)
        for config in apps.get_app_configs()
        for label in getattr(config, "service_written_models", ())
    ]


def _refuse(sender, instance, raw=False, **kwargs):
    if raw or inside_service():  # raw: fixtures being loaded
        return
    raise SideDoorWrite(
        f"{sender._meta.label} {getattr(instance, 'pk', None)} written outside its service: "
        "call the service (see docs/architecture.md), or wrap the service's own writes in service_write()."
    )


@contextlib.contextmanager
def guard(models=None):
    """Refuse saves and deletes of ``models`` (default: every declared one) outside a service
    while the block runs."""
    models = service_written_models() if models is None else models
    receivers = [(signal, model) for model in models for signal in (pre_save, pre_delete)]
    for signal, model in receivers:
        signal.connect(_refuse, sender=model, dispatch_uid=f"portal.doors.{model._meta.label}")
    try:
        yield models
    finally:
        for signal, model in receivers:
            signal.disconnect(sender=model, dispatch_uid=f"portal.doors.{model._meta.label}")
