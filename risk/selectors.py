"""Read queries of the risk app: the desk, the digest, the dashboard and
the risk-control matrix."""

from datetime import timedelta

from django.db.models import Count, Max, Prefetch, Q

from parkportal.core import clock
from refunds.models import RefundRequest
from refunds.models.case import OPEN_STATES
from risk.models import (
    Assessment,
    Control,
    ControlKind,
    Hold,
    HoldStatus,
    ResultStatus,
    RiskCategory,
    Rule,
    RuleResult,
)

MATRIX_DAYS = 90


def results_with_rules(through: str = "") -> Prefetch:
    """Prefetch for assessments (or holds, `through="assessment__"`) whose
    reasons a list shows: one query for every row's results and rules."""
    return Prefetch(
        f"{through}results", queryset=RuleResult.objects.select_related("rule")
    )


def assessment_reasons(assessment: Assessment, language: str | None = None) -> list:
    """The sentences of the rules that hit or failed, highest score first.
    Reads the results prefetched by results_with_rules()."""
    results = [
        result
        for result in assessment.results.all()
        if result.status != ResultStatus.NO_HIT
    ]
    results.sort(key=lambda result: (-result.score, result.rule.code))
    return [result.text(language) for result in results]


def hold_reasons(hold: Hold, language: str | None = None) -> list:
    if hold.assessment is not None:
        return assessment_reasons(hold.assessment, language)
    return [hold.reason] if hold.reason else []


def holds_with_reasons():
    """Holds with what their rows show: the case, its enterprise and the
    assessment's results."""
    return Hold.objects.select_related(
        "refund", "refund__enterprise", "assessment"
    ).prefetch_related(results_with_rules("assessment__"))


def latest_assessment(refund_id: int) -> Assessment | None:
    return Assessment.objects.filter(refund_id=refund_id).order_by("-id").first()


def _latest_assessments(refund_ids: list[int]) -> dict[int, Assessment]:
    newest = (
        Assessment.objects.filter(refund_id__in=refund_ids)
        .values("refund_id")
        .annotate(newest=Max("id"))
        .values("newest")
    )
    assessments = Assessment.objects.filter(pk__in=newest).prefetch_related(
        results_with_rules()
    )
    return {assessment.refund_id: assessment for assessment in assessments}


def top_flags(limit: int = 10) -> list[dict]:
    """Open cases with the highest risk scores, with their reasons."""
    refunds = list(
        RefundRequest.objects.filter(state__in=OPEN_STATES, risk_score__gt=0)
        .select_related("enterprise")
        .order_by("-risk_score", "-id")[:limit]
    )
    latest = _latest_assessments([refund.pk for refund in refunds])
    flags = []
    for refund in refunds:
        assessment = latest.get(refund.pk)
        flags.append(
            {
                "refund_id": refund.pk,
                "reference": refund.reference,
                "enterprise": refund.enterprise.name,
                "state": refund.state,
                "score": refund.risk_score,
                "risk_level": refund.risk_level,
                "outcome": assessment.outcome if assessment else "",
                "assessed_at": refund.risk_assessed_at,
                "reasons": assessment_reasons(assessment) if assessment else [],
            }
        )
    return flags


def flags_by_rule(start, end, cases: Q | None = None) -> list[dict]:
    """Per rule, how many assessments in [start, end) it hit and how many
    holds it took part in; `cases` narrows the assessments by their case
    (a condition through results__assessment__refund)."""
    in_period = Q(results__assessment__as_of__gte=start) & Q(
        results__assessment__as_of__lt=end
    )
    if cases is not None:
        in_period &= cases
    hit = in_period & Q(results__status=ResultStatus.HIT)
    rules = Rule.objects.annotate(
        hits=Count("results", filter=hit),
        holds=Count("results", filter=hit & Q(results__assessment__held=True)),
    ).order_by("-hits", "code")
    return [
        {"rule": rule.code, "name": rule.name, "hits": rule.hits, "holds": rule.holds}
        for rule in rules
    ]


def holds_open():
    return holds_with_reasons().filter(status=HoldStatus.OPEN).order_by("id")


def _figures(since):
    """Hits, holds and holds cleared as false alarms since `since`, per
    rule and per risk. A hold counts once for a risk even when several of
    its rules hit."""
    hits = RuleResult.objects.filter(
        status=ResultStatus.HIT, assessment__as_of__gte=since
    ).values_list(
        "rule_id",
        "rule__category",
        "assessment_id",
        "assessment__held",
        "assessment__hold__status",
    )
    per_rule: dict[int, dict] = {}
    per_risk: dict[str, dict] = {}
    for rule_id, risk, assessment_id, held, hold_status in hits:
        row = per_rule.setdefault(rule_id, {"hits": 0, "holds": 0, "false_alarms": 0})
        row["hits"] += 1
        row["holds"] += int(held)
        row["false_alarms"] += int(hold_status == HoldStatus.CLEARED)
        sets = per_risk.setdefault(
            risk, {"hits": 0, "holds": set(), "false_alarms": set()}
        )
        sets["hits"] += 1
        if held:
            sets["holds"].add(assessment_id)
        if hold_status == HoldStatus.CLEARED:
            sets["false_alarms"].add(assessment_id)
    totals = {
        risk: {
            "hits": sets["hits"],
            "holds": len(sets["holds"]),
            "false_alarms": len(sets["false_alarms"]),
        }
        for risk, sets in per_risk.items()
    }
    return per_rule, totals


def control_matrix(days: int = MATRIX_DAYS) -> list[dict]:
    """The risk-control matrix: each risk, its controls, their owners and
    live figures over the last `days` days. Figures are counted for
    screening rules; the other controls are enforced by the lifecycle and
    finance and are listed with their owner."""
    since = clock.now() - timedelta(days=days)
    per_rule, per_risk = _figures(since)
    controls = Control.objects.select_related("rule", "rule__live_version")
    empty = {"hits": 0, "holds": 0, "false_alarms": 0}
    matrix = []
    for risk, label in RiskCategory.choices:
        rows = [
            _control_row(
                control,
                per_rule.get(control.rule_id, empty)
                if control.kind == ControlKind.RULE
                else None,
            )
            for control in controls.filter(risk=risk)
        ]
        matrix.append(
            {
                "risk": risk,
                "label": str(label),
                "controls": rows,
                "figures": per_risk.get(risk, empty),
            }
        )
    return matrix


def _control_row(control: Control, numbers) -> dict:
    rule = control.rule
    return {
        "id": control.pk,
        "kind": control.kind,
        "kind_label": control.get_kind_display(),
        "name": control.name,
        "description": control.description,
        "owner_role": control.owner_role,
        "owner_label": control.get_owner_role_display(),
        "rule": rule.code if rule else None,
        "rule_enabled": rule.enabled if rule else None,
        "rule_version": rule.live_version.number
        if rule and rule.live_version
        else None,
        "figures": numbers,
    }
