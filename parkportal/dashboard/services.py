"""Keeping the dashboard's fact rows and summaries up to date."""

import logging
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from parkportal.core import clock
from parkportal.core.db import analyze
from parkportal.dashboard.models import (
    DailyExit,
    DailyFlow,
    DailyIntake,
    MonthlyFlow,
    StageVisit,
)
from parkportal.dashboard.selectors import LEFT_STATES
from refunds.models import State
from refunds.models.case import FINAL_STATES

logger = logging.getLogger(__name__)


def _dimensions(refund) -> dict:
    return {
        "refund": refund,
        "enterprise_id": refund.enterprise_id,
        "reason": refund.reason,
        "currency": refund.currency,
        "green_channel": refund.enterprise.green_channel,
        "amount_cny": refund.amount_cny,
    }


def stage_visit_record(*, refund, state_before: str, moment: datetime) -> None:
    """Close the case's open stay and open the next one. Runs inside the
    transition's transaction, which holds the case's row lock, so two
    transitions of one case never race here."""
    if refund.state == state_before:
        return
    dimensions = _dimensions(refund)
    visit = StageVisit.objects.filter(refund=refund, left_at__isnull=True).first()
    if visit is None:
        entered = refund.created_at if state_before == State.DRAFT else moment
        visit = StageVisit(state=state_before, entered_at=entered, **dimensions)
    visit.left_at = moment
    visit.next_state = refund.state
    visit.duration_seconds = int((moment - visit.entered_at).total_seconds())
    visit.save()

    final = refund.state in FINAL_STATES
    paid = refund.state == State.DISBURSED
    StageVisit.objects.create(
        state=refund.state,
        entered_at=moment,
        left_at=moment if final else None,
        duration_seconds=0 if final else None,
        submitted_at=refund.submitted_at if paid else None,
        **dimensions,
    )


def month_start(moment: datetime) -> date:
    local = timezone.localtime(moment)
    return date(local.year, local.month, 1)


def _months_q(field: str, months: list[date] | None) -> Q:
    """Rows whose `field` (a day) falls in one of `months`; all rows when
    None."""
    condition = Q()
    if months is None:
        return condition
    condition = Q(pk__in=[])
    for month in months:
        following = (month + timedelta(days=32)).replace(day=1)
        condition |= Q(**{f"{field}__gte": month, f"{field}__lt": following})
    return condition


def _entered_on() -> TruncDate:
    return TruncDate("entered_at", tzinfo=timezone.get_current_timezone())


def _monthly_rows(visits, now) -> list[MonthlyFlow]:
    rows = (
        visits.annotate(month=TruncMonth("entered_at", output_field=DateField()))
        .values("month", "state", "reason", "currency", "green_channel")
        .annotate(count=Count("id"), amount=Sum("amount_cny"))
        .order_by()
    )
    return [
        MonthlyFlow(
            month=row["month"],
            state=row["state"],
            reason=row["reason"],
            currency=row["currency"],
            green_channel=row["green_channel"],
            count=row["count"],
            amount_cny=row["amount"] or 0,
            refreshed_at=now,
        )
        for row in rows
    ]


def _daily_rows(visits, now) -> list[DailyFlow]:
    rows = (
        visits.annotate(day=_entered_on())
        .values("day", "state", "reason", "currency", "green_channel")
        .annotate(count=Count("id"), amount=Sum("amount_cny"))
        .order_by()
    )
    return [
        DailyFlow(
            day=row["day"],
            state=row["state"],
            reason=row["reason"],
            currency=row["currency"],
            green_channel=row["green_channel"],
            count=row["count"],
            amount_cny=row["amount"],
            refreshed_at=now,
        )
        for row in rows
    ]


def _intake_rows(visits, now) -> list[DailyIntake]:
    rows = (
        visits.filter(state=State.SUBMITTED)
        .annotate(day=_entered_on())
        .values("day", "enterprise_id")
        .annotate(count=Count("id"), amount=Sum("amount_cny"))
        .order_by()
    )
    return [
        DailyIntake(
            day=row["day"],
            enterprise_id=row["enterprise_id"],
            count=row["count"],
            amount_cny=row["amount"],
            refreshed_at=now,
        )
        for row in rows
    ]


def _exit_rows(months: list[date] | None, now) -> list[DailyExit]:
    """Stays ended per day, counted by the month they ended in: a stay
    begun in an earlier month belongs to the month it left."""
    visits = StageVisit.objects.filter(state__in=LEFT_STATES, left_at__isnull=False)
    if months is not None:
        visits = visits.annotate(
            left_month=TruncMonth("left_at", output_field=DateField())
        ).filter(left_month__in=months)
    rows = (
        visits.annotate(
            day=TruncDate("left_at", tzinfo=timezone.get_current_timezone())
        )
        .values("day", "state", "next_state", "reason", "currency", "green_channel")
        .annotate(count=Count("*"))
        .order_by()
    )
    return [DailyExit(**row, refreshed_at=now) for row in rows]


def summaries_refresh(*, months: list[date] | None = None) -> int:
    """Rebuild MonthlyFlow, DailyFlow, DailyIntake and DailyExit for the
    given months (all months when None). Returns the number of summary rows
    written."""
    visits = StageVisit.objects.all()
    if months is not None:
        visits = visits.annotate(
            month=TruncMonth("entered_at", output_field=DateField())
        ).filter(month__in=months)
    now = clock.now()
    monthly = _monthly_rows(visits, now)
    daily = _daily_rows(visits, now)
    intake = _intake_rows(visits, now)
    exits = _exit_rows(months, now)
    with transaction.atomic():
        stale = MonthlyFlow.objects.all()
        if months is not None:
            stale = stale.filter(month__in=months)
        stale.delete()
        DailyFlow.objects.filter(_months_q("day", months)).delete()
        DailyIntake.objects.filter(_months_q("day", months)).delete()
        DailyExit.objects.filter(_months_q("day", months)).delete()
        MonthlyFlow.objects.bulk_create(monthly, batch_size=2000)
        DailyFlow.objects.bulk_create(daily, batch_size=2000)
        DailyIntake.objects.bulk_create(intake, batch_size=2000)
        DailyExit.objects.bulk_create(exits, batch_size=2000)
    # The figures read these tables right after a rebuild; planned from the
    # counts of before it, the trend sorted what it could hash (4 ms, not 2).
    analyze(MonthlyFlow, DailyFlow, DailyIntake, DailyExit)
    written = len(monthly) + len(daily) + len(intake) + len(exits)
    logger.info("dashboard summaries refreshed: %s rows", written)
    return written
