"""The committee's figures, read from StageVisit and MonthlyFlow.

Definitions (also in docs/dashboard.md):
- received, approved, paid, rejected, withdrawn: cases that entered
  submitted, approved, disbursed, rejected, withdrawn within the period;
- approval rate: approved / (approved + rejected);
- cycle time: from submission to the bank's confirmation, for cases paid
  within the period;
- time in stage: stays that ended within the period, per state.
"""

import math
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    F,
    FloatField,
    Func,
    Max,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from parkportal.dashboard.models import (
    DailyExit,
    DailyFlow,
    DailyIntake,
    MonthlyFlow,
    StageVisit,
)
from refunds.models import State
from refunds.models.case import FINAL_STATES

FLOW_STATES = {
    "received": State.SUBMITTED,
    "approved": State.APPROVED,
    "paid": State.DISBURSED,
    "rejected": State.REJECTED,
    "withdrawn": State.WITHDRAWN,
}
# States a case waits in; drafts belong to the enterprise, final states
# have no duration.
WAITING_STATES = [
    state
    for state in State.values
    if state not in FINAL_STATES and state != State.DRAFT
]
# States a case leaves: named rather than excluded, so that the edges are
# read from the index on (state, left_at) one state at a time.
LEFT_STATES = [State.DRAFT, *WAITING_STATES]


@dataclass(frozen=True)
class Filters:
    enterprise_id: int | None = None
    reason: str | None = None
    green_channel: bool | None = None
    currency: str | None = None
    owner_id: int | None = None

    def apply(self, visits: QuerySet) -> QuerySet:
        for field in fields(self):
            value = getattr(self, field.name)
            if value is not None:
                lookup = "refund__owner_id" if field.name == "owner_id" else field.name
                visits = visits.filter(**{lookup: value})
        return visits

    def case_q(self, path: str = "refund") -> Q:
        """The same filters on rows that reach the case through `path`
        (SLA clocks, ratings, complaints, risk results, the case itself
        with path ""). The channel is the enterprise's."""
        prefix = f"{path}__" if path else ""
        lookups = {
            "enterprise_id": "enterprise_id",
            "reason": "reason",
            "green_channel": "enterprise__green_channel",
            "currency": "currency",
            "owner_id": "owner_id",
        }
        condition = Q()
        for name, lookup in lookups.items():
            value = getattr(self, name)
            if value is not None:
                condition &= Q(**{prefix + lookup: value})
        return condition

    @property
    def summarisable(self) -> bool:
        """MonthlyFlow and DailyFlow keep reason, currency and channel
        only."""
        return self.enterprise_id is None and self.owner_id is None


NO_FILTERS = Filters()


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate for a continuous percentile."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's
    percentile_cont computes it."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _quantiles(visits: QuerySet, expression, group: str | None) -> dict:
    """Median and 90th percentile of `expression` in seconds, per `group`
    value (or under the key None)."""
    if connection.vendor == "postgresql":
        # Rows rather than ids: the index that answers time in stage holds
        # no id.
        measures = {
            "n": Count("*"),
            "p50": PercentileCont(expression, fraction=0.5),
            "p90": PercentileCont(expression, fraction=0.9),
        }
        if group is None:
            row = visits.aggregate(**measures)
            return {None: (row["n"], row["p50"], row["p90"])} if row["n"] else {}
        rows = visits.values(group).annotate(**measures).order_by()
        return {row[group]: (row["n"], row["p50"], row["p90"]) for row in rows}
    buckets: dict = {}
    for key, value in visits.annotate(_value=expression).values_list(
        group if group else "id", "_value"
    ):
        buckets.setdefault(key if group else None, []).append(value)
    return {
        key: (len(values), percentile(values, 0.5), percentile(values, 0.9))
        for key, values in buckets.items()
    }


def _hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)


def _split(
    start: datetime, end: datetime, filters: Filters, summary=DailyFlow
) -> tuple[tuple[date, date] | None, datetime]:
    """Split a period at the edge of a daily summary: whole days before
    the day of its last refresh are read from it, the rest live. Returns
    the summarised days (None when there are none) and the moment from
    which the figure is read live (`end` when nothing is)."""
    first, last = timezone.localtime(start), timezone.localtime(end)
    if not filters.summarisable:
        return None, start
    if first.time() != time.min or last.time() != time.min:
        return None, start
    refreshed = summary.objects.aggregate(at=Max("refreshed_at"))["at"]
    if refreshed is None:
        return None, start
    edge = min(last.date(), timezone.localtime(refreshed).date())
    if edge <= first.date():
        return None, start
    live_from = timezone.make_aware(datetime.combine(edge, time.min))
    return (first.date(), edge), min(live_from, end)


def _summary_rows(
    days: tuple[date, date], filters: Filters, model=DailyFlow
) -> QuerySet:
    rows = model.objects.filter(day__gte=days[0], day__lt=days[1])
    for name in ("reason", "currency", "green_channel"):
        value = getattr(filters, name)
        if value is not None:
            rows = rows.filter(**{name: value})
    return rows


def _entered(start: datetime, end: datetime, filters: Filters, **lookups):
    return filters.apply(
        StageVisit.objects.filter(entered_at__gte=start, entered_at__lt=end, **lookups)
    )


def _add(total: dict, key, count: int, amount) -> None:
    """Adds one group's figures; the amount stays None while every part
    of it is, as a database sum would."""
    entry = total.setdefault(key, {"n": 0, "amount": None})
    entry["n"] += count
    if amount is not None:
        entry["amount"] = (entry["amount"] or 0) + amount


def _entered_totals(
    start: datetime, end: datetime, filters: Filters, key: str, **lookups
) -> dict:
    """Count and amount of visits entering within the period per `key`,
    from the daily summaries where they reach and live after them."""
    days, live_from = _split(start, end, filters)
    totals: dict = {}
    if days:
        rows = _summary_rows(days, filters).filter(**lookups).values(key)
        for row in rows.annotate(n=Sum("count"), amount=Sum("amount_cny")).order_by():
            _add(totals, row[key], row["n"], row["amount"])
    if live_from < end:
        rows = _entered(live_from, end, filters, **lookups).values(key)
        for row in rows.annotate(n=Count("*"), amount=Sum("amount_cny")).order_by():
            _add(totals, row[key], row["n"], row["amount"])
    return totals


def flows(start: datetime, end: datetime, filters: Filters = NO_FILTERS) -> dict:
    by_state = _entered_totals(
        start, end, filters, "state", state__in=FLOW_STATES.values()
    )
    result = {}
    for name, state in FLOW_STATES.items():
        row = by_state.get(state, {})
        result[name] = {
            "count": row.get("n", 0),
            "amount_cny": row.get("amount") or Decimal("0.00"),
        }
    return result


def cycle_time(start: datetime, end: datetime, filters: Filters = NO_FILTERS) -> dict:
    paid = filters.apply(
        StageVisit.objects.filter(
            state=State.DISBURSED,
            entered_at__gte=start,
            entered_at__lt=end,
        )
    )
    seconds = _seconds_between("entered_at", "submitted_at")
    count, p50, p90 = _quantiles(paid, seconds, None).get(None, (0, None, None))
    return {"count": count, "median_hours": _hours(p50), "p90_hours": _hours(p90)}


def _seconds_between(later: str, earlier: str):
    if connection.vendor == "postgresql":
        # One extraction from the interval: the same seconds as the
        # difference of two epochs, without numeric arithmetic per row.
        return Func(
            F(later) - F(earlier),
            template="EXTRACT(EPOCH FROM %(expressions)s)",
            output_field=FloatField(),
        )
    return _julian_seconds(later) - _julian_seconds(earlier)


def _julian_seconds(field: str):
    return Func(
        F(field),
        template="(julianday(%(expressions)s) * 86400.0)",
        output_field=FloatField(),
    )


def stage_times(
    start: datetime, end: datetime, filters: Filters = NO_FILTERS
) -> list[dict]:
    visits = filters.apply(
        StageVisit.objects.filter(
            state__in=WAITING_STATES, left_at__gte=start, left_at__lt=end
        )
    )
    figures = _quantiles(visits, F("duration_seconds"), "state")
    rows = []
    for state in WAITING_STATES:
        count, p50, p90 = figures.get(state, (0, None, None))
        rows.append(
            {
                "state": state,
                "label": str(State(state).label),
                "count": count,
                "median_hours": _hours(p50),
                "p90_hours": _hours(p90),
            }
        )
    return rows


def bottleneck(stages: list[dict]) -> str | None:
    """The stage where cases wait longest: highest median, then p90."""
    measured = [row for row in stages if row["median_hours"] is not None]
    if not measured:
        return None
    return max(measured, key=lambda row: (row["median_hours"], row["p90_hours"]))[
        "state"
    ]


def breakdown(
    start: datetime, end: datetime, dimension: str, filters: Filters = NO_FILTERS
) -> list[dict]:
    """Cases received in the period by reason, currency or enterprise."""
    if dimension not in ("reason", "currency", "enterprise"):
        raise ValueError(dimension)
    if dimension == "enterprise":
        totals = _intake_by_enterprise(start, end, filters)
    else:
        totals = _entered_totals(start, end, filters, dimension, state=State.SUBMITTED)
    # The database's order: largest amount first, empty amounts first on
    # PostgreSQL and last on SQLite, then the key.
    empty_first = connection.vendor == "postgresql"
    ordered = sorted(
        totals.items(),
        key=lambda item: (
            (item[1]["amount"] is None) != empty_first,
            -(item[1]["amount"] or 0),
            item[0],
        ),
    )
    return [
        {
            "key": key,
            "count": row["n"],
            "amount_cny": row["amount"] or Decimal("0.00"),
        }
        for key, row in ordered
    ]


def _intake_by_enterprise(start: datetime, end: datetime, filters: Filters) -> dict:
    """DailyIntake keeps no reason, currency or channel: it answers only
    the unfiltered breakdown."""
    days, live_from = (None, start)
    if filters == NO_FILTERS:
        days, live_from = _split(start, end, filters)
    totals: dict = {}
    if days:
        rows = DailyIntake.objects.filter(day__gte=days[0], day__lt=days[1])
        rows = rows.values("enterprise__name").annotate(
            n=Sum("count"), amount=Sum("amount_cny")
        )
        for row in rows.order_by():
            _add(totals, row["enterprise__name"], row["n"], row["amount"])
    if live_from < end:
        rows = _entered(live_from, end, filters, state=State.SUBMITTED)
        rows = rows.values("enterprise__name").annotate(
            n=Count("*"), amount=Sum("amount_cny")
        )
        for row in rows.order_by():
            _add(totals, row["enterprise__name"], row["n"], row["amount"])
    return totals


def period_figures(
    start: datetime, end: datetime, filters: Filters = NO_FILTERS
) -> dict:
    flow = flows(start, end, filters)
    decided = flow["approved"]["count"] + flow["rejected"]["count"]
    stages = stage_times(start, end, filters)
    return {
        "start": start,
        "end": end,
        "flows": flow,
        "approval_rate": round(flow["approved"]["count"] / decided, 4)
        if decided
        else None,
        "cycle_time": cycle_time(start, end, filters),
        "stages": stages,
        "bottleneck": bottleneck(stages),
    }


def compare_periods(
    start: datetime, end: datetime, filters: Filters = NO_FILTERS
) -> dict:
    length = end - start
    return {
        "current": period_figures(start, end, filters),
        "previous": period_figures(start - length, start, filters),
    }


def monthly_trend(
    first_month: date, months: int, filters: Filters = NO_FILTERS
) -> list[dict]:
    """Cases entering each flow state per month, from the summary table
    when the filters allow it, else live."""
    last = _add_months(first_month, months)
    if filters.summarisable:
        rows = MonthlyFlow.objects.filter(
            month__gte=first_month, month__lt=last, state__in=FLOW_STATES.values()
        )
        for name in ("reason", "currency", "green_channel"):
            value = getattr(filters, name)
            if value is not None:
                rows = rows.filter(**{name: value})
        grouped = rows.values("month", "state").annotate(
            n=Sum("count"), amount=Sum("amount_cny")
        )
    else:
        visits = filters.apply(
            StageVisit.objects.filter(state__in=FLOW_STATES.values())
        ).annotate(month=TruncMonth("entered_at", output_field=DateField()))
        grouped = (
            visits.filter(month__gte=first_month, month__lt=last)
            .values("month", "state")
            .annotate(n=Count("*"), amount=Sum("amount_cny"))
        )
    cells = {(row["month"], row["state"]): row for row in grouped.order_by()}
    trend = []
    for index in range(months):
        month = _add_months(first_month, index)
        entry = {"month": month}
        for name, state in FLOW_STATES.items():
            row = cells.get((month, state), {})
            entry[name] = {
                "count": row.get("n") or 0,
                "amount_cny": row.get("amount") or Decimal("0.00"),
            }
        trend.append(entry)
    return trend


def _add_months(month: date, count: int) -> date:
    total = month.year * 12 + month.month - 1 + count
    return date(total // 12, total % 12 + 1, 1)


def process_map(start: datetime, end: datetime, filters: Filters = NO_FILTERS) -> dict:
    """The lifecycle as a flow: how many cases went each way in the period
    and how long they stayed before, how many wait in each state now, and
    the bottleneck."""
    # Every open stay is in a state a case leaves; naming them lets the
    # planner read the open stays' index rather than the case's.
    waiting = (
        filters.apply(
            StageVisit.objects.filter(state__in=LEFT_STATES, left_at__isnull=True)
        )
        .values("state")
        .annotate(n=Count("*"))
        .order_by()
    )
    stages = stage_times(start, end, filters)
    return {
        "edges": [
            {"source": source, "target": target, "count": count}
            for (source, target), count in sorted(_edges(start, end, filters).items())
        ],
        "nodes": [
            {
                **stage,
                "waiting_now": next(
                    (w["n"] for w in waiting if w["state"] == stage["state"]), 0
                ),
            }
            for stage in stages
        ],
        "bottleneck": bottleneck(stages),
    }


def _edges(start: datetime, end: datetime, filters: Filters) -> dict:
    """Stays ended within the period per (state, next state), from the
    daily summary where it reaches and live after it. The summary's own
    edge: it may still be empty when the flows are not."""
    days, live_from = _split(start, end, filters, DailyExit)
    edges: dict = {}
    parts = []
    if days:
        rows = _summary_rows(days, filters, DailyExit).values("state", "next_state")
        parts.append(rows.annotate(n=Sum("count")))
    if live_from < end:
        live = filters.apply(
            StageVisit.objects.filter(
                state__in=LEFT_STATES, left_at__gte=live_from, left_at__lt=end
            )
        )
        parts.append(live.values("state", "next_state").annotate(n=Count("*")))
    for rows in parts:
        for row in rows.order_by():
            key = (row["state"], row["next_state"])
            edges[key] = edges.get(key, 0) + row["n"]
    return edges


def stuck_cases(
    state: str, *, limit: int = 20, filters: Filters = NO_FILTERS
) -> list[dict]:
    """The cases waiting longest in `state` right now."""
    visits = filters.apply(StageVisit.objects.filter(state=state, left_at__isnull=True))
    # Only the five columns shown: the sort keeps narrow rows, not whole
    # cases with their descriptions.
    rows = visits.order_by("entered_at").values_list(
        "refund_id", "refund__reference", "enterprise__name", "entered_at", "amount_cny"
    )[:limit]
    return [
        {
            "refund_id": refund_id,
            "reference": reference,
            "enterprise": enterprise,
            "entered_at": entered_at,
            "amount_cny": amount_cny,
        }
        for refund_id, reference, enterprise, entered_at, amount_cny in rows
    ]


def period_bounds(day: date, days: int) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    return start, start + timedelta(days=days)


def workload(start: datetime, end: datetime, filters: Filters = NO_FILTERS) -> dict:
    """Per case owner: open cases by state now, reviews finished in the
    period and how long they took; and the team's total. The filters
    narrow the cases counted; the owner filter keeps that owner's row."""
    from refunds.models import RefundRequest
    from refunds.models.case import OPEN_STATES

    open_cases = (
        RefundRequest.objects.filter(state__in=OPEN_STATES, owner__isnull=False)
        .filter(filters.case_q(""))
        .values("owner", "owner__username", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    reviews = filters.apply(
        StageVisit.objects.filter(
            state=State.UNDER_REVIEW,
            left_at__gte=start,
            left_at__lt=end,
            refund__owner__isnull=False,
        )
    )
    review_times = _quantiles(reviews, F("duration_seconds"), "refund__owner")
    owners: dict = {}
    for row in open_cases:
        entry = owners.setdefault(
            row["owner"],
            {
                "owner": row["owner"],
                "username": row["owner__username"],
                "open": 0,
                "by_state": {},
            },
        )
        entry["open"] += row["n"]
        entry["by_state"][row["state"]] = row["n"]
    for owner_id, (count, p50, p90) in review_times.items():
        entry = owners.setdefault(
            owner_id, {"owner": owner_id, "username": "", "open": 0, "by_state": {}}
        )
        entry.update(
            reviewed=count,
            review_median_hours=_hours(p50),
            review_p90_hours=_hours(p90),
        )
    for owner_id, sla in _sla_per_owner(start, end, filters).items():
        entry = owners.setdefault(
            owner_id, {"owner": owner_id, "username": "", "open": 0, "by_state": {}}
        )
        entry.update(sla)
    rows = sorted(owners.values(), key=lambda row: -row["open"])
    for row in rows:
        row.setdefault("reviewed", 0)
        row.setdefault("review_median_hours", None)
        row.setdefault("review_p90_hours", None)
        for name in ("sla_ended", "sla_breached", "overdue_now"):
            row.setdefault(name, 0)
        row["breach_rate"] = _rate(row["sla_breached"], row["sla_ended"])
    team = {
        name: sum(row[name] for row in rows)
        for name in ("open", "reviewed", "sla_ended", "sla_breached", "overdue_now")
    }
    team["breach_rate"] = _rate(team["sla_breached"], team["sla_ended"])
    return {"owners": rows, "team": team}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _sla_per_owner(start: datetime, end: datetime, filters: Filters) -> dict:
    """Per case owner: SLA clocks of their cases that ended in the period,
    how many after the deadline, and how many are overdue now."""
    from operations.models import StageClock

    owned = StageClock.objects.filter(refund__owner__isnull=False).filter(
        filters.case_q()
    )
    ended = (
        owned.filter(ended_at__gte=start, ended_at__lt=end, deadline__isnull=False)
        .values("refund__owner", "refund__owner__username")
        .annotate(n=Count("id"), late=Count("id", filter=Q(ended_at__gt=F("deadline"))))
        .order_by()
    )
    overdue = (
        owned.filter(ended_at__isnull=True, deadline__lt=end)
        .values("refund__owner", "refund__owner__username")
        .annotate(n=Count("id"))
        .order_by()
    )
    result: dict = {}
    for row in ended:
        result.setdefault(
            row["refund__owner"], {"username": row["refund__owner__username"]}
        ).update(sla_ended=row["n"], sla_breached=row["late"])
    for row in overdue:
        result.setdefault(
            row["refund__owner"], {"username": row["refund__owner__username"]}
        ).update(overdue_now=row["n"])
    return result


# Figures the other apps keep: SLA clocks (operations), ratings and
# complaints (operations), risk flags (risk) and the pool (finance).


def sla_breaches(
    start: datetime, end: datetime, filters: Filters = NO_FILTERS
) -> list[dict]:
    """Per SLA stage: clocks of the filtered cases that ended in the
    period, how many of them after their deadline, and the rate; plus
    clocks overdue right now."""
    from operations.models import StageClock
    from operations.models.sla import Stage

    clocks = StageClock.objects.filter(filters.case_q())
    ended = (
        clocks.filter(ended_at__gte=start, ended_at__lt=end, deadline__isnull=False)
        .values("stage")
        .annotate(n=Count("id"), late=Count("id", filter=Q(ended_at__gt=F("deadline"))))
        .order_by()
    )
    overdue = (
        clocks.filter(ended_at__isnull=True, deadline__lt=end)
        .values("stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_stage = {row["stage"]: row for row in ended}
    overdue_now = {row["stage"]: row["n"] for row in overdue}
    rows = []
    for stage in Stage:
        row = by_stage.get(stage.value, {"n": 0, "late": 0})
        rows.append(
            {
                "stage": stage.value,
                "label": str(stage.label),
                "ended": row["n"],
                "breached": row["late"],
                "breach_rate": round(row["late"] / row["n"], 4) if row["n"] else None,
                "overdue_now": overdue_now.get(stage.value, 0),
            }
        )
    return rows


def voice_of_enterprises(
    start: datetime, end: datetime, filters: Filters = NO_FILTERS
) -> dict:
    """Satisfaction average and response rate (ratings of cases closed in
    the period), and complaints per hundred cases received; all of the
    filtered cases."""
    from django.db.models import Avg

    from operations.models import Complaint, Rating

    closed = filters.apply(
        StageVisit.objects.filter(
            state=State.CLOSED, entered_at__gte=start, entered_at__lt=end
        )
    ).values("refund_id")
    ratings = Rating.objects.filter(refund_id__in=closed).aggregate(
        n=Count("id"), average=Avg("score")
    )
    closed_count = sum(
        row["n"]
        for row in _entered_totals(
            start, end, filters, "state", state=State.CLOSED
        ).values()
    )
    received = flows(start, end, filters)["received"]["count"]
    complaints = (
        Complaint.objects.filter(created_at__gte=start, created_at__lt=end)
        .filter(filters.case_q())
        .count()
    )
    return {
        "closed": closed_count,
        "ratings": ratings["n"],
        "average_score": None
        if ratings["average"] is None
        else round(ratings["average"], 2),
        "response_rate": round(ratings["n"] / closed_count, 4)
        if closed_count
        else None,
        "complaints": complaints,
        "complaint_rate": round(complaints / received, 4) if received else None,
    }


def risk_flags(
    start: datetime, end: datetime, filters: Filters = NO_FILTERS
) -> list[dict]:
    """Hits and holds per rule on the filtered cases, labelled by the rule
    type's translated name (a rule's own name is data typed by a risk
    officer)."""
    from risk.models import Rule
    from risk.rules.base import rule_type
    from risk.selectors import flags_by_rule

    types = dict(Rule.objects.values_list("code", "rule_type"))
    rows = flags_by_rule(
        start, end, cases=filters.case_q("results__assessment__refund")
    )
    for row in rows:
        row["label"] = str(rule_type(types[row["rule"]]).label)
    return rows


def pool_outlook(weeks: int = 12) -> dict:
    """Park-wide: the pool pays every case, so no filter applies."""
    from finance.forecast import pool_forecast_summary
    from finance.selectors import pool_status

    return {"status": pool_status(), "forecast": pool_forecast_summary(weeks)}
