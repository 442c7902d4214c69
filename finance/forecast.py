"""Cash-flow forecast (现金流预测) of the reserve pool, week by week.

Outflows that will reduce what is available: cases awaiting funds (now)
and cases still on their way to approval, each weighted by how often a
case at its stage was approved in the past year and dated by how long
that took. Earmarked cases are already subtracted from available, so
paying them changes nothing there; they are shown as `scheduled_out` in
the first week and lower the projected balance. Inflows: proposed top-ups
with an expected date.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import mean

from django.db.models import Sum
from django.utils import timezone

from finance.models import Earmark, EarmarkStatus, TopUp, TopUpStatus
from finance.selectors import pool_status
from parkportal.core import clock
from refunds.models import RefundRequest, State, TimelineEntry

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


def stage_statistics() -> dict[str, tuple[Decimal, float]]:
    """For each pending stage: the share of decided cases that went on to
    be approved, and the mean days from entering the stage to approval."""
    since = clock.now() - timedelta(days=HISTORY_DAYS)
    approved_at = dict(
        TimelineEntry.objects.filter(kind="approve", state_after=State.APPROVED)
        .values_list("refund_id", "created_at")
        .order_by("created_at")
    )
    undecided = set(
        RefundRequest.objects.filter(state__in=UNDECIDED_STATES).values_list(
            "pk", flat=True
        )
    )
    entered = {}
    for refund_id, stage, moment in (
        TimelineEntry.objects.filter(
            created_at__gte=since, state_after__in=PENDING_STATES
        )
        .values_list("refund_id", "state_after", "created_at")
        .order_by("created_at")
    ):
        entered.setdefault((refund_id, stage), moment)

    decided, approved, days = defaultdict(int), defaultdict(int), defaultdict(list)
    for (refund_id, stage), moment in entered.items():
        if refund_id in undecided:
            continue
        decided[stage] += 1
        if refund_id in approved_at:
            approved[stage] += 1
            days[stage].append(
                (approved_at[refund_id] - moment).total_seconds() / 86400
            )
    return {
        stage: (
            Decimal(approved[stage]) / Decimal(decided[stage])
            if decided[stage]
            else DEFAULT_PROBABILITY,
            mean(days[stage]) if days[stage] else DEFAULT_DAYS,
        )
        for stage in PENDING_STATES
    }


def _expected_outflows(today: date) -> list[tuple[date, Decimal]]:
    flows = []
    awaiting = Earmark.objects.filter(status=EarmarkStatus.AWAITING_FUNDS).aggregate(
        total=Sum("amount_cny")
    )["total"]
    if awaiting:
        flows.append((today, awaiting))
    statistics = stage_statistics()
    pending = RefundRequest.objects.filter(state__in=PENDING_STATES).values_list(
        "state", "state_changed_at", "amount_cny", "amount"
    )
    for state, changed_at, amount_cny, amount in pending:
        probability, days = statistics[state]
        expected = timezone.localdate(changed_at + timedelta(days=days))
        flows.append((max(expected, today), (amount_cny or amount) * probability))
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
