"""Cash-flow forecast (现金流预测) of the reserve pool, week by week.

Outflows that will reduce what is available: cases awaiting funds (now)
and cases still on their way to approval, each weighted by how often a
case at its stage was approved in the past year and dated by how long
that took. Earmarked cases are already subtracted from available, so
paying them changes nothing there; they are shown as `scheduled_out` in
the first week and lower the projected balance. Inflows: proposed top-ups
with an expected date.
"""

import logging
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from finance.models import (
    Earmark,
    EarmarkStatus,
    StageStatistic,
    TopUp,
    TopUpStatus,
)
from finance.selectors import pool_status
from parkportal.core import clock
from refunds.models import RefundRequest, State, TimelineEntry

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
PENDING_STATES = (
    State.SUBMITTED,
    State.UNDER_REVIEW,
    State.INFO_REQUESTED,
    State.ON_HOLD,
    State.PENDING_APPROVAL,
)
UNDECIDED_STATES = (State.DRAFT, *PENDING_STATES)
HISTORY_DAYS = 365
# Without history the forecast is prudent: every pending case is assumed
# approved, two weeks from now.
DEFAULT_PROBABILITY = Decimal("1")
DEFAULT_DAYS = 14


def stage_figures_live() -> dict[str, tuple[int, int, float | None]]:
    """For each pending stage: decided cases that passed through it in the
    past year, how many of them were approved, and the mean days from
    entering the stage to approval.

    One query: the first entry of each decided case into each stage in the
    past year, with the moment of its last approval, aggregated per stage
    by the database. A year of a park's timeline is millions of rows, so
    the forecast reads these figures from StageStatistic instead."""
    since = clock.now() - timedelta(days=HISTORY_DAYS)
    approved_at = (
        TimelineEntry.objects.filter(
            refund=OuterRef("refund_id"), kind="approve", state_after=State.APPROVED
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    entries = (
        TimelineEntry.objects.filter(
            created_at__gte=since, state_after__in=PENDING_STATES
        )
        .exclude(refund__state__in=UNDECIDED_STATES)
        .values("refund_id", "state_after")
        .annotate(entered=Min("created_at"), approved_at=Subquery(approved_at))
    )
    waited = ExpressionWrapper(
        F("approved_at") - F("entered"), output_field=DurationField()
    )
    figures = entries.aggregate(
        **{
            name: aggregate
            for stage in PENDING_STATES
            for name, aggregate in (
                (f"{stage}_decided", Count("refund_id", filter=Q(state_after=stage))),
                (
                    f"{stage}_approved",
                    Count("approved_at", filter=Q(state_after=stage)),
                ),
                (f"{stage}_waited", Avg(waited, filter=Q(state_after=stage))),
            )
        }
    )
    result = {}
    for stage in PENDING_STATES:
        waited_on_average = figures[f"{stage}_waited"]
        result[stage] = (
            figures[f"{stage}_decided"],
            figures[f"{stage}_approved"],
            None
            if waited_on_average is None
            else waited_on_average.total_seconds() / 86400,
        )
    return result


def stage_statistics_refresh() -> int:
    """Rebuild StageStatistic from the past year of timeline. Returns the
    number of rows written."""
    now = clock.now()
    rows = [
        StageStatistic(
            state=stage,
            decided=decided,
            approved=approved,
            mean_days=mean_days,
            refreshed_at=now,
        )
        for stage, (decided, approved, mean_days) in stage_figures_live().items()
    ]
    with transaction.atomic():
        StageStatistic.objects.all().delete()
        StageStatistic.objects.bulk_create(rows)
    logger.info("forecast stage statistics refreshed: %s stages", len(rows))
    return len(rows)


def stage_statistics() -> dict[str, tuple[Decimal, float]]:
    """For each pending stage: the share of decided cases that went on to
    be approved, and the mean days from entering the stage to approval.
    Read from StageStatistic; counted live until it was first refreshed."""
    stored = {
        row.state: (row.decided, row.approved, row.mean_days)
        for row in StageStatistic.objects.all()
    }
    figures = stored or stage_figures_live()
    statistics = {}
    for stage in PENDING_STATES:
        decided, approved, mean_days = figures.get(stage, (0, 0, None))
        statistics[stage] = (
            Decimal(approved) / Decimal(decided) if decided else DEFAULT_PROBABILITY,
            mean_days if approved and mean_days is not None else DEFAULT_DAYS,
        )
    return statistics


def _expected_outflows(today: date) -> list[tuple[date, Decimal]]:
    flows = []
    awaiting = Earmark.objects.filter(status=EarmarkStatus.AWAITING_FUNDS).aggregate(
        total=Sum("amount_cny")
    )["total"]
    if awaiting:
        flows.append((today, awaiting))
    # Pending amounts summed per stage and day of expected approval by the
    # database, in one scan of the pending cases: a park has hundreds of
    # thousands of them, but only a few hundred distinct days.
    statistics = stage_statistics()
    waits = Case(
        *(
            When(state=state, then=Value(timedelta(days=days)))
            for state, (_probability, days) in statistics.items()
        ),
        output_field=DurationField(),
    )
    expected = TruncDate(
        ExpressionWrapper(F("state_changed_at") + waits, output_field=DateTimeField()),
        tzinfo=timezone.get_current_timezone(),
    )
    per_day = (
        RefundRequest.objects.filter(state__in=list(statistics))
        .annotate(expected=expected)
        .values("state", "expected")
        .annotate(total=Sum(Coalesce("amount_cny", "amount")))
        .values_list("state", "expected", "total")
    )
    for state, day, total in per_day:
        flows.append((max(day, today), total * statistics[state][0]))
    return flows


def _planned_inflows() -> list[tuple[date, Decimal]]:
    return list(
        TopUp.objects.filter(
            status=TopUpStatus.PROPOSED, expected_on__isnull=False
        ).values_list("expected_on", "amount")
    )


def pool_forecast(weeks: int = 12, status: dict | None = None) -> list[dict]:
    today = clock.today()
    first_monday = today - timedelta(days=today.weekday())
    status = status or pool_status()
    out, into = defaultdict(Decimal), defaultdict(Decimal)
    for day, amount in _expected_outflows(today):
        out[(day - first_monday).days // 7] += amount
    for day, amount in _planned_inflows():
        if day >= first_monday:
            into[(day - first_monday).days // 7] += amount

    rows, available, balance = [], status["available"], status["balance"]
    for week in range(weeks):
        scheduled_out = status["earmarked"] if week == 0 else Decimal("0.00")
        expected_out = out[week].quantize(CENT, rounding=ROUND_HALF_UP)
        planned_in = into[week].quantize(CENT, rounding=ROUND_HALF_UP)
        available = available - expected_out + planned_in
        balance = balance - scheduled_out - expected_out + planned_in
        rows.append(
            {
                "week_start": first_monday + timedelta(weeks=week),
                "scheduled_out": scheduled_out,
                "expected_out": expected_out,
                "planned_in": planned_in,
                "projected_balance": balance,
                "projected_available": available,
                "below_watermark": available < status["watermark"],
                "below_zero": available < 0,
            }
        )
    return rows


def pool_forecast_summary(weeks: int = 12) -> dict:
    """The forecast with the first week it falls below the watermark and
    below zero (None when it does not)."""
    status = pool_status()
    rows = pool_forecast(weeks, status)
    return {
        "currency": status["currency"],
        "available_now": status["available"],
        "watermark": status["watermark"],
        "weeks": rows,
        "first_below_watermark": next(
            (row["week_start"] for row in rows if row["below_watermark"]), None
        ),
        "first_below_zero": next(
            (row["week_start"] for row in rows if row["below_zero"]), None
        ),
    }
