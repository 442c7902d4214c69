"""The pool's invariants, checked by the property and concurrency tests."""

from decimal import Decimal

from django.db.models import Count, Q, Sum

from finance.models import (
    Earmark,
    EarmarkStatus,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentStatus,
)
from finance.selectors import main_pool
from refunds.models import RefundRequest, State

ZERO = Decimal("0.00")


def _sum(queryset, field) -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or ZERO


def assert_pool_invariants() -> None:
    pool = main_pool()
    entries = LedgerEntry.objects.filter(pool=pool)

    # The stored totals are the ledger's sums; nothing is overdrawn.
    assert pool.balance == _sum(entries, "balance_change")
    assert pool.earmarked == _sum(entries, "earmark_change")
    assert pool.earmarked >= 0
    assert pool.available >= 0
    assert pool.earmarked == _sum(
        Earmark.objects.filter(status=EarmarkStatus.HELD), "amount_cny"
    )

    # The balance is what came in less what was paid and not returned.
    top_ups = _sum(entries.filter(kind=EntryKind.TOP_UP), "balance_change")
    corrected = _sum(
        entries.filter(kind=EntryKind.REVERSAL, reverses__kind=EntryKind.TOP_UP),
        "balance_change",
    )
    paid_out = _sum(
        Payment.objects.filter(status__in=[PaymentStatus.SENT, PaymentStatus.PAID]),
        "amount_cny_at_payment",
    )
    assert pool.balance == top_ups + corrected - paid_out

    # Nobody is paid twice, and every case's money matches its state.
    assert (
        not Payment.objects.values("refund")
        .annotate(
            live=Count(
                "id", filter=Q(status__in=[PaymentStatus.SENT, PaymentStatus.PAID])
            )
        )
        .filter(live__gt=1)
        .exists()
    )
    for refund in RefundRequest.objects.filter(
        state__in=[
            State.APPROVED,
            State.DISBURSING,
            State.DISBURSED,
            State.DISBURSEMENT_FAILED,
        ]
    ):
        _assert_case_consistent(refund)

    # A case waits for funds only when the pool cannot cover it.
    for earmark in Earmark.objects.filter(status=EarmarkStatus.AWAITING_FUNDS):
        assert earmark.amount_cny > pool.available


def _assert_case_consistent(refund) -> None:
    earmark = Earmark.objects.get(refund=refund)
    payments = list(refund.payments.order_by("attempt"))
    last = payments[-1].status if payments else None
    expected = {
        State.APPROVED: (
            {EarmarkStatus.HELD, EarmarkStatus.AWAITING_FUNDS},
            {None, PaymentStatus.PLANNED, PaymentStatus.CANCELLED},
        ),
        State.DISBURSING: ({EarmarkStatus.CONSUMED}, {PaymentStatus.SENT}),
        State.DISBURSED: ({EarmarkStatus.CONSUMED}, {PaymentStatus.PAID}),
        State.DISBURSEMENT_FAILED: (
            {EarmarkStatus.HELD},
            {PaymentStatus.FAILED, PaymentStatus.PLANNED, PaymentStatus.CANCELLED},
        ),
    }[refund.state]
    assert earmark.status in expected[0], (refund.reference, earmark.status)
    assert last in expected[1], (refund.reference, last)
