"""Replay a rule version over the assessments of a period.

Each case is replayed on the inputs and at the moment of its latest
assessment in the period, through the same engine function as the live
run; the live version's answer is the one that assessment recorded when
that version ran, and is computed the same way otherwise.
"""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from parkportal.core.errors import InvalidInput, NotFound
from parkportal.core.jobs import Report, job_start
from parkportal.core.models import Job
from refunds.services.audit import audit_record
from risk import engine
from risk.models import (
    Assessment,
    Backtest,
    BacktestCase,
    ResultStatus,
    RuleResult,
    RuleVersion,
)
from risk.rules.context import CaseContext
from risk.services.common import require_risk_officer

MAX_CASES = 20000
# Cases replayed between two reports of progress: often enough for the bar
# to move, rarely enough to cost nothing beside the replays.
PROGRESS_EVERY = 100


def assessments_in(start, end):
    """The latest assessment of each case whose assessments fall in
    [start, end)."""
    latest = (
        Assessment.objects.filter(as_of__gte=start, as_of__lt=end)
        .values("refund_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    return Assessment.objects.filter(pk__in=list(latest)).select_related(
        "refund", "refund__contract", "refund__enterprise"
    )


def replay(version: RuleVersion, assessment: Assessment) -> engine.RuleOutcome:
    context = CaseContext(assessment.refund, assessment.as_of, assessment.snapshot)
    return engine.run_rule(version, context)


def _baseline(baseline, assessment, recorded):
    if baseline is None:
        return None
    result = recorded.get(assessment.pk)
    if result is not None:
        return result.status, result.message, result.params
    outcome = replay(baseline, assessment)
    return outcome.status, outcome.message, outcome.params


def _backtest_check(*, version_id: int, actor, start, end) -> RuleVersion:
    require_risk_officer(actor)
    if start >= end:
        raise InvalidInput(
            _("The period must end after it starts."), code="invalid_period"
        )
    version = (
        RuleVersion.objects.select_related("rule", "rule__live_version")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise NotFound(_("This rule version does not exist."))
    return version


def backtest_start(*, version_id: int, actor, start, end) -> Job:
    """Check the request now and replay the period in a job."""
    _backtest_check(version_id=version_id, actor=actor, start=start, end=end)
    return job_start(
        actor=actor,
        kind="risk.jobs.run_backtest",
        title=gettext_noop("Backtest"),
        params={
            "version_id": version_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
    )


def backtest_run(
    *, version_id: int, actor, start, end, progress: Report | None = None
) -> Backtest:
    version = _backtest_check(version_id=version_id, actor=actor, start=start, end=end)
    assessments = list(assessments_in(start, end).order_by("as_of", "id"))
    if len(assessments) > MAX_CASES:
        raise InvalidInput(
            _("The period holds more than %(limit)s cases; choose a shorter one.")
            % {"limit": MAX_CASES},
            code="period_too_long",
        )
    baseline = version.rule.live_version
    recorded = (
        {
            result.assessment_id: result
            for result in RuleResult.objects.filter(
                version=baseline, assessment__in=assessments
            )
        }
        if baseline
        else {}
    )

    rows = []
    for number, assessment in enumerate(assessments):
        if progress and number % PROGRESS_EVERY == 0:
            progress(number, len(assessments))
        outcome = replay(version, assessment)
        base = _baseline(baseline, assessment, recorded)
        rows.append(
            BacktestCase(
                assessment=assessment,
                refund=assessment.refund,
                candidate_status=outcome.status,
                candidate_message=outcome.message,
                candidate_params=outcome.params,
                baseline_status=base[0] if base else "",
                baseline_message=base[1] if base else "",
                baseline_params=base[2] if base else {},
            )
        )
    with transaction.atomic():
        backtest = Backtest.objects.create(
            rule=version.rule,
            candidate=version,
            baseline=baseline,
            period_start=start,
            period_end=end,
            cases=len(rows),
            candidate_hits=sum(r.candidate_status == ResultStatus.HIT for r in rows),
            baseline_hits=sum(r.baseline_status == ResultStatus.HIT for r in rows),
            candidate_errors=sum(
                r.candidate_status == ResultStatus.ERROR for r in rows
            ),
            created_by=actor,
        )
        for row in rows:
            row.backtest = backtest
        BacktestCase.objects.bulk_create(rows, batch_size=500)
        audit_record(
            actor=actor,
            action="risk.backtest",
            obj=backtest,
            after={
                "version": version.pk,
                "cases": backtest.cases,
                "candidate_hits": backtest.candidate_hits,
                "baseline_hits": backtest.baseline_hits,
            },
        )
    return backtest
