"""Keeping the dashboard's fact rows and summaries up to date."""

import logging
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, DateField, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from parkportal.core import clock
from parkportal.dashboard.models import MonthlyFlow, StageVisit
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
    StageVisit.objects.create(
        state=refund.state,
        entered_at=moment,
        left_at=moment if final else None,
        duration_seconds=0 if final else None,
        **dimensions,
    )


def month_start(moment: datetime) -> date:
    local = timezone.localtime(moment)
    return date(local.year, local.month, 1)


def summaries_refresh(*, months: list[date] | None = None) -> int:
    """Rebuild MonthlyFlow for the given months (all months when None).
    Returns the number of summary rows written."""
    visits = StageVisit.objects.all()
    if months is not None:
        visits = visits.annotate(
            month=TruncMonth("entered_at", output_field=DateField())
        ).filter(month__in=months)
    rows = (
        visits.annotate(month=TruncMonth("entered_at", output_field=DateField()))
        .values("month", "state", "reason", "currency", "green_channel")
        .annotate(count=Count("id"), amount=Sum("amount_cny"))
        .order_by()
    )
    now = clock.now()
    summaries = [
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
    with transaction.atomic():
        stale = MonthlyFlow.objects.all()
        if months is not None:
            stale = stale.filter(month__in=months)
        stale.delete()
        MonthlyFlow.objects.bulk_create(summaries, batch_size=2000)
    logger.info("dashboard summaries refreshed: %s rows", len(summaries))
    return len(summaries)
