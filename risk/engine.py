"""Run rule versions on a case and turn their scores into a decision.

Nothing here writes: the live assessment (risk.services.assessment), the
backtest and the evaluation command all call the same two functions, so
that what they report is what the live engine does.
"""

import hashlib
import json
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_noop

from risk.models import Outcome, ResultStatus, Rule, RuleVersion, Threshold
from risk.rules import REGISTRY
from risk.rules.context import CaseContext

logger = logging.getLogger(__name__)

ERROR_MESSAGE = gettext_noop(
    "The rule could not be evaluated (%(error)s); the case is flagged so that "
    "a person looks at it."
)


@dataclass(frozen=True)
class RuleOutcome:
    version: RuleVersion
    status: str
    score: int
    message: str
    params: dict


@dataclass(frozen=True)
class Decision:
    score: int
    outcome: str
    add_committee: bool
    risk_level: str
    error_count: int


def live_versions(at) -> list[RuleVersion]:
    rules = Rule.objects.filter(enabled=True, live_version__isnull=False)
    rules = rules.select_related("live_version", "live_version__rule")
    return [rule.live_version for rule in rules.order_by("code") if rule.is_active(at)]


def threshold_map() -> dict[str, int]:
    active = Threshold.objects.filter(active=True)
    return dict(active.values_list("outcome", "min_score"))


def run_rule(version: RuleVersion, context: CaseContext) -> RuleOutcome:
    """One rule on one case. A rule that raises is an error result, never
    an exception for the caller."""
    try:
        rule_type = REGISTRY[version.rule.rule_type]
        # The savepoint keeps a failed query from poisoning the caller's
        # transaction on PostgreSQL.
        with transaction.atomic():
            verdict = rule_type.evaluate(context, rule_type.read(version.parameters))
    except Exception as error:
        logger.exception(
            "risk rule %s v%s failed on refund %s",
            version.rule.code,
            version.number,
            context.refund.pk,
        )
        return RuleOutcome(
            version,
            ResultStatus.ERROR,
            0,
            ERROR_MESSAGE,
            {"error": type(error).__name__},
        )
    if verdict.hit:
        return RuleOutcome(
            version, ResultStatus.HIT, version.score, verdict.message, verdict.params
        )
    return RuleOutcome(version, ResultStatus.NO_HIT, 0, verdict.message, verdict.params)


def evaluate(context: CaseContext, versions: list[RuleVersion]) -> list[RuleOutcome]:
    return [run_rule(version, context) for version in versions]


def decide(outcomes: list[RuleOutcome], thresholds: dict[str, int]) -> Decision:
    score = sum(outcome.score for outcome in outcomes)
    errors = sum(1 for outcome in outcomes if outcome.status == ResultStatus.ERROR)

    def reached(name: str) -> bool:
        return name in thresholds and score >= thresholds[name]

    add_committee = reached("committee")
    if reached("hold"):
        outcome = Outcome.HOLD
    elif reached("review") or add_committee or errors:
        # A rule in error must not pass a case quietly: someone looks.
        outcome = Outcome.REVIEW
    else:
        outcome = Outcome.PASS
    if outcome == Outcome.HOLD or add_committee:
        level = "high"
    else:
        level = "medium" if outcome == Outcome.REVIEW else "low"
    return Decision(score, outcome, add_committee, level, errors)


def fingerprint(snapshot: dict, versions: list[RuleVersion], thresholds: dict) -> str:
    payload = {
        "snapshot": snapshot,
        "versions": sorted(version.pk for version in versions),
        "thresholds": thresholds,
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
