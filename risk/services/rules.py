"""A risk officer's changes to the rule catalogue and the thresholds.

A rule's parameters and score live in versions that are never changed:
an edit writes the next version, and the live one is switched in the same
transaction.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from parkportal.core import clock
from parkportal.core.errors import InvalidInput
from refunds.services.audit import audit_record
from risk.models import (
    RiskCategory,
    Rule,
    RuleVersion,
    Threshold,
    ThresholdOutcome,
    VersionStatus,
)
from risk.rules import rule_type
from risk.services.common import require_risk_officer

SETTINGS_FIELDS = ("name", "category", "owner", "enabled", "snoozed_until")


def _lock_rule(rule_id: int) -> Rule:
    # Two officers editing one rule at once would both number their
    # version n + 1; the row lock makes the second wait and number n + 2.
    try:
        return Rule.objects.select_for_update().get(pk=rule_id)
    except Rule.DoesNotExist:
        from parkportal.core.errors import NotFound

        raise NotFound(_("This rule does not exist.")) from None


def _check_score(score) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 1000:
        raise InvalidInput(
            _("The score must be a whole number from 0 to 1000."), code="invalid_score"
        )
    return score


def rule_create(
    *,
    actor,
    code: str,
    rule_type_name: str,
    name: str,
    parameters: dict | None = None,
    score: int | None = None,
    category: str | None = None,
    owner=None,
    activate: bool = True,
) -> Rule:
    """A new rule with its first version: live, or a draft to backtest
    before it screens anything."""
    require_risk_officer(actor)
    kind = rule_type(rule_type_name)
    category = category or kind.category
    if category not in RiskCategory.values:
        raise InvalidInput(_("Unknown risk category."), code="invalid_category")
    if Rule.objects.filter(code=code).exists():
        raise InvalidInput(_("A rule with this code exists."), code="duplicate_code")
    with transaction.atomic():
        rule = Rule.objects.create(
            code=code,
            rule_type=kind.name,
            name=name,
            category=category,
            owner=owner,
            enabled=activate,
        )
        audit_record(
            actor=actor,
            action="risk.rule.create",
            obj=rule,
            after={"code": code, "rule_type": kind.name, "name": name},
        )
        rule_new_version(
            rule_id=rule.pk,
            actor=actor,
            parameters=parameters,
            score=kind.default_score if score is None else score,
            activate=activate,
        )
        rule.refresh_from_db()
    return rule


def rule_new_version(
    *,
    rule_id: int,
    actor,
    parameters: dict | None = None,
    score: int | None = None,
    note: str = "",
    activate: bool = True,
) -> RuleVersion:
    """Write the next version: the live one's values overlaid with the
    given ones. Left as a draft unless `activate`."""
    require_risk_officer(actor)
    with transaction.atomic():
        rule = _lock_rule(rule_id)
        base = rule.live_version or rule.versions.order_by("-number").first()
        merged = {**(base.parameters if base else {}), **(parameters or {})}
        cleaned = rule_type(rule.rule_type).clean(merged)
        if score is None:
            if base is None:
                raise InvalidInput(_("Please give a score."), code="invalid_score")
            score = base.score
        last = rule.versions.order_by("-number").first()
        version = RuleVersion.objects.create(
            rule=rule,
            number=(last.number if last else 0) + 1,
            parameters=cleaned,
            score=_check_score(score),
            note=note,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="risk.rule.version",
            obj=version,
            after={
                "rule": rule.code,
                "number": version.number,
                "score": score,
                "parameters": cleaned,
            },
        )
        if activate:
            _make_live(rule, version, actor)
    return version


def rule_activate_version(*, version_id: int, actor) -> RuleVersion:
    require_risk_officer(actor)
    version = RuleVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise InvalidInput(_("This version does not exist."), code="not_found")
    with transaction.atomic():
        rule = _lock_rule(version.rule_id)
        version.refresh_from_db()
        if version.status == VersionStatus.LIVE:
            return version
        _make_live(rule, version, actor)
    return version


def _make_live(rule: Rule, version: RuleVersion, actor) -> None:
    previous = rule.live_version
    if previous is not None and previous.pk != version.pk:
        previous.status = VersionStatus.RETIRED
        previous.save(update_fields=["status"])
    version.status = VersionStatus.LIVE
    version.save(update_fields=["status"])
    rule.live_version = version
    rule.save(update_fields=["live_version", "updated_at"])
    audit_record(
        actor=actor,
        action="risk.rule.activate",
        obj=rule,
        before={"version": previous.number if previous else None},
        after={"version": version.number},
    )


def rule_update_settings(*, rule_id: int, actor, **values) -> Rule:
    """Name, risk, owner, enabled and snooze: none changes what the rule
    checks, so none needs a new version."""
    require_risk_officer(actor)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed."), code="not_editable")
    if values.get("category", RiskCategory.FRAUD) not in RiskCategory.values:
        raise InvalidInput(_("Unknown risk category."), code="invalid_category")
    snooze = values.get("snoozed_until")
    if snooze is not None and snooze <= clock.now():
        raise InvalidInput(_("A snooze must end in the future."), code="invalid_snooze")
    with transaction.atomic():
        rule = _lock_rule(rule_id)
        before = {field: _plain(getattr(rule, field)) for field in values}
        for field, value in values.items():
            setattr(rule, field, value)
        rule.save()
        audit_record(
            actor=actor,
            action="risk.rule.settings",
            obj=rule,
            before=before,
            after={field: _plain(value) for field, value in values.items()},
        )
    return rule


def _plain(value):
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def threshold_set(*, outcome: str, actor, min_score: int, active: bool = True):
    require_risk_officer(actor)
    if outcome not in ThresholdOutcome.values:
        raise InvalidInput(_("Unknown outcome."), code="invalid_outcome")
    with transaction.atomic():
        threshold, _created = Threshold.objects.select_for_update().get_or_create(
            outcome=outcome, defaults={"min_score": _check_score(min_score)}
        )
        before = {"min_score": threshold.min_score, "active": threshold.active}
        threshold.min_score = _check_score(min_score)
        threshold.active = active
        threshold.save()
        audit_record(
            actor=actor,
            action="risk.threshold",
            obj=threshold,
            before=before,
            after={"min_score": min_score, "active": active},
        )
    return threshold
