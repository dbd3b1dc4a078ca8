"""Screening service: runs the eligibility engine on an application and stores a dated screening."""


def screen(application_id, *, actor=None):
    """Screen one application (filled in by the screening work)."""
