"""Eligibility rules as versioned data: a change never edits a version in place, it saves a new
one and retires the previous, so that every stored screening keeps pointing at the exact rules
it applied (and the admin's history shows who changed what, when and why)."""

from django.db import transaction
from django.db.models import Max, Q

from portal import doors
from portal.models import User

from .models import EligibilityRuleSet, Programme


def _scope(rule_set):
    if rule_set.session_id is not None:
        return Q(session_id=rule_set.session_id)
    return Q(programme_id=rule_set.programme_id, session__isnull=True)


def save_new_version(
    rule_set: EligibilityRuleSet, *, actor: User | None = None, comment: str | None = None
) -> EligibilityRuleSet:
    """Save ``rule_set``'s values (a new instance, or an edited copy of any version) as the new
    current version of its scope: the programme, or the one session it overrides."""
    if rule_set.session_id is not None:
        rule_set.programme_id = rule_set.session.programme_id
    with transaction.atomic():
        # One editor at a time per programme: the version numbers stay gapless and unique.
        Programme.objects.select_for_update().filter(pk=rule_set.programme_id).exists()
        scope = _scope(rule_set)
        latest = EligibilityRuleSet.objects.filter(scope).aggregate(latest=Max("version"))["latest"] or 0
        EligibilityRuleSet.objects.filter(scope, is_current=True).update(is_current=False)
        rule_set.pk = None
        rule_set._state.adding = True
        rule_set.version = latest + 1
        rule_set.is_current = True
        rule_set.created_by = actor
        if comment is not None:
            rule_set.comment = comment
        with doors.service_write():
            rule_set.save()
    return rule_set


def retire(rule_set: EligibilityRuleSet) -> None:
    """Stop applying a session's override (its programme's rules apply again). Programme rules
    are never retired, only replaced by a new version."""
    if rule_set.session_id is None:
        raise ValueError("programme rules are replaced, not retired")
    EligibilityRuleSet.objects.filter(pk=rule_set.pk).update(is_current=False)
