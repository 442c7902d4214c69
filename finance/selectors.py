"""Read queries of finance for lists, the dashboard and the digest."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from finance.models import (
    BankStatement,
    DisbursementBatch,
    Earmark,
    EarmarkStatus,
    FxRate,
    LedgerEntry,
    Payment,
    PaymentStatus,
    ReservePool,
    StatementLine,
    TopUp,
)
from finance.models.bank import NEEDS_A_PERSON
from finance.models.pool import MAIN_POOL, ZERO
from parkportal.core import clock


def main_pool() -> ReservePool | None:
    return ReservePool.objects.filter(code=MAIN_POOL).first()


def pool_status() -> dict:
    """Where the reserve pool stands now, in CNY."""
    pool = main_pool() or ReservePool(
        code=MAIN_POOL, low_watermark=settings.POOL_LOW_WATERMARK
    )
    awaiting = Earmark.objects.filter(status=EarmarkStatus.AWAITING_FUNDS).aggregate(
        count=Count("id"), amount=Sum("amount_cny")
    )
    return {
        "currency": pool.currency or settings.BASE_CURRENCY,
        "balance": pool.balance,
        "earmarked": pool.earmarked,
        "available": pool.available,
        "watermark": pool.low_watermark,
        "below_watermark": pool.available < pool.low_watermark,
        "awaiting_funds_count": awaiting["count"],
        "awaiting_funds_amount": awaiting["amount"] or ZERO,
    }


def ledger_entries():
    return LedgerEntry.objects.select_related("refund", "created_by").order_by("-id")


def top_ups():
    return TopUp.objects.select_related("proposed_by", "decided_by").order_by("-id")


def batches():
    return DisbursementBatch.objects.select_related(
        "built_by", "authorised_by"
    ).order_by("-id")


def payments():
    return Payment.objects.select_related("refund", "batch").order_by("-id")


def awaiting_funds():
    return (
        Earmark.objects.filter(status=EarmarkStatus.AWAITING_FUNDS)
        .select_related("refund")
        .order_by("created_at", "id")
    )


def earmarks(status: str | None = None):
    queryset = Earmark.objects.select_related("refund").order_by("-id")
    return queryset.filter(status=status) if status else queryset


def fx_rates():
    return FxRate.objects.order_by("-id")


def statement_lines():
    return StatementLine.objects.select_related("statement").order_by("-id")


def statements():
    return BankStatement.objects.annotate(line_count=Count("lines")).order_by("-id")


def lines_needing_a_person():
    """Statement lines nobody has resolved yet: unmatched, mismatched or
    naming an already settled payment."""
    return (
        StatementLine.objects.filter(
            outcome__in=NEEDS_A_PERSON, resolved_at__isnull=True
        )
        .select_related("statement", "payment")
        .order_by("id")
    )


def month_bounds(month: date) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(following, time.min, tzinfo=zone),
    )


def fx_variance(month: date) -> dict:
    """What paying at the day's rate cost compared with the rate at
    approval, per case paid out that month (positive: the pool paid
    more)."""
    start, end = month_bounds(month)
    rows = (
        Payment.objects.filter(
            status__in=[PaymentStatus.SENT, PaymentStatus.PAID],
            sent_at__gte=start,
            sent_at__lt=end,
        )
        .exclude(currency=settings.BASE_CURRENCY)
        .select_related("refund")
        .order_by("sent_at", "id")
    )
    cases = [
        {
            "reference": payment.refund.reference,
            "end_to_end_id": payment.end_to_end_id,
            "currency": payment.currency,
            "amount": payment.amount,
            "rate_at_approval": payment.rate_at_approval,
            "rate_at_payment": payment.rate_at_payment,
            "amount_cny_at_approval": payment.amount_cny_at_approval,
            "amount_cny_at_payment": payment.amount_cny_at_payment,
            "fx_variance_cny": payment.fx_variance_cny,
        }
        for payment in rows
    ]
    total = sum((case["fx_variance_cny"] for case in cases), Decimal("0.00"))
    return {"month": month.strftime("%Y-%m"), "cases": cases, "total_cny": total}


def fx_variance_by_month(*, months: int = 12) -> list[dict]:
    """FX variance totals of the last `months` months, oldest first, for a
    chart; months without a foreign payment answer zero."""
    first = clock.today().replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    start, _end = month_bounds(first)
    totals = {
        timezone.localdate(row["month"]).strftime("%Y-%m"): row
        for row in Payment.objects.filter(
            status__in=[PaymentStatus.SENT, PaymentStatus.PAID], sent_at__gte=start
        )
        .exclude(currency=settings.BASE_CURRENCY)
        .annotate(month=TruncMonth("sent_at"))
        .values("month")
        .annotate(cases=Count("id"), total=Sum("fx_variance_cny"))
    }
    rows, month = [], first
    for _ in range(months):
        key = month.strftime("%Y-%m")
        found = totals.get(key, {})
        rows.append(
            {
                "month": key,
                "cases": found.get("cases", 0),
                "total_cny": found.get("total") or ZERO,
            }
        )
        month = (month + timedelta(days=32)).replace(day=1)
    return rows
