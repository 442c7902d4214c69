"""The reserve pool: ledger postings, earmarks and the check of stored
totals against the ledger."""

import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext as _

from finance.models import (
    Earmark,
    EarmarkStatus,
    EntryKind,
    LedgerEntry,
    ReservePool,
)
from finance.models.pool import MAIN_POOL, ZERO
from parkportal.core import clock
from parkportal.core.errors import Conflict, InvalidInput
from parkportal.core.outbox import outbox_enqueue
from refunds.services.audit import audit_record

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")


def clean_amount(value) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise InvalidInput(
            _("The amount is not a number."), code="invalid_amount"
        ) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise InvalidInput(
            _("The amount must be more than zero with at most two decimal places."),
            code="invalid_amount",
        )
    if amount >= Decimal("1e13"):
        raise InvalidInput(_("The amount is too large."), code="invalid_amount")
    return amount


def pool_get() -> ReservePool:
    pool, _created = ReservePool.objects.get_or_create(
        code=MAIN_POOL,
        defaults={
            "name": "财务应急池",
            "currency": settings.BASE_CURRENCY,
            "low_watermark": settings.POOL_LOW_WATERMARK,
        },
    )
    return pool


def pool_lock() -> ReservePool:
    pool_get()
    # Every movement of pool money holds this row lock until its
    # transaction ends, so two approvals, a batch authorisation and a top-up
    # can never read the same available amount and both spend it. It is
    # taken after any case rows and before any other finance row.
    return ReservePool.objects.select_for_update().get(code=MAIN_POOL)


def post_entry(
    pool: ReservePool,
    *,
    kind: str,
    actor,
    balance_change: Decimal = ZERO,
    earmark_change: Decimal = ZERO,
    memo: str = "",
    **links,
) -> LedgerEntry:
    """Append one entry to the ledger of a pool the caller has locked and
    move its running totals with it."""
    pool.balance += balance_change
    pool.earmarked += earmark_change
    if pool.earmarked < 0 or pool.available < 0:
        raise Conflict(
            _("The reserve pool does not have enough available money for this."),
            code="pool_insufficient",
        )
    entry = LedgerEntry.objects.create(
        pool=pool,
        kind=kind,
        balance_change=balance_change,
        earmark_change=earmark_change,
        memo=memo[:300],
        created_by=actor,
        **links,
    )
    pool.save(update_fields=["balance", "earmarked", "updated_at"])
    return entry


def watch_watermark(pool: ReservePool) -> None:
    """Alert finance once each time available falls below the watermark."""
    below = pool.available < pool.low_watermark
    if below == pool.below_watermark:
        return
    pool.below_watermark = below
    pool.save(update_fields=["below_watermark", "updated_at"])
    if below:
        logger.info(
            "pool %s below its watermark: available %s < %s",
            pool.code,
            pool.available,
            pool.low_watermark,
        )
        outbox_enqueue(
            task="finance.tasks.alert_low_watermark", kwargs={"pool_id": pool.pk}
        )


# Earmarks.


def _hold(pool: ReservePool, earmark: Earmark, actor) -> None:
    post_entry(
        pool,
        kind=EntryKind.EARMARK,
        actor=actor,
        earmark_change=earmark.amount_cny,
        refund_id=earmark.refund_id,
        memo=earmark.refund.reference,
    )
    before = earmark.status
    earmark.status = EarmarkStatus.HELD
    earmark.earmarked_at = clock.now()
    earmark.save()
    audit_record(
        actor=actor,
        action="finance.earmark.hold",
        obj=earmark,
        refund=earmark.refund,
        before={"status": before or ""},
        after={"status": earmark.status, "amount_cny": str(earmark.amount_cny)},
    )


def earmark_for_approval(*, refund, actor) -> Earmark:
    """Earmark the approved amount of a case its caller has locked, or put
    it in the queue awaiting funds when the pool cannot cover it."""
    pool = pool_lock()
    # Under the pool lock no one else changes earmarks.
    earmark = Earmark.objects.filter(refund=refund).first()
    if earmark and earmark.status != EarmarkStatus.RELEASED:
        return earmark
    earmark = earmark or Earmark(refund=refund, pool=pool)
    earmark.refund = refund
    earmark.amount_cny = refund.approved_amount_cny
    earmark.status = ""
    earmark.created_at = clock.now()

    if pool.available >= earmark.amount_cny:
        _hold(pool, earmark, actor)
    else:
        _await_funds(pool, earmark, actor)
    watch_watermark(pool)
    return earmark


def _await_funds(pool: ReservePool, earmark: Earmark, actor) -> None:

    earmark.status = EarmarkStatus.AWAITING_FUNDS
    earmark.save()
    audit_record(
        actor=actor,
        action="finance.earmark.awaiting_funds",
        obj=earmark,
        refund=earmark.refund,
        after={
            "status": earmark.status,
            "amount_cny": str(earmark.amount_cny),
            "available": str(pool.available),
        },
    )
    logger.info(
        "refund %s awaits funds: %s CNY needed, %s available",
        earmark.refund.reference,
        earmark.amount_cny,
        pool.available,
    )
    outbox_enqueue(
        task="finance.tasks.notify_awaiting_funds", kwargs={"earmark_id": earmark.pk}
    )


def earmark_awaiting(pool: ReservePool, *, actor) -> list[Earmark]:
    """Earmark the waiting cases on a locked pool, oldest approval first; a
    case too large for what is left waits on while younger, smaller ones
    that fit are served."""
    held = []
    waiting = Earmark.objects.filter(status=EarmarkStatus.AWAITING_FUNDS).order_by(
        "created_at", "id"
    )
    for earmark in waiting.select_related("refund"):
        if pool.available < earmark.amount_cny:
            continue
        _hold(pool, earmark, actor)
        held.append(earmark)
    return held


def earmark_release(*, refund, actor, reason: str) -> Earmark | None:
    """Give back what a case no longer needs (the case left the approved
    states without being paid). The caller holds the case's row lock."""
    pool = pool_lock()
    earmark = Earmark.objects.filter(refund=refund).first()
    if earmark is None or earmark.status in (
        EarmarkStatus.RELEASED,
        EarmarkStatus.CONSUMED,
    ):
        return earmark
    before = earmark.status
    if earmark.status == EarmarkStatus.HELD:
        post_entry(
            pool,
            kind=EntryKind.RELEASE,
            actor=actor,
            earmark_change=-earmark.amount_cny,
            refund_id=refund.pk,
            memo=reason,
        )
    earmark.status = EarmarkStatus.RELEASED
    earmark.save()
    audit_record(
        actor=actor,
        action="finance.earmark.release",
        obj=earmark,
        refund=refund,
        before={"status": before},
        after={"status": earmark.status, "reason": reason},
    )
    earmark_awaiting(pool, actor=actor)
    watch_watermark(pool)
    return earmark


# Checks.


def ledger_check() -> dict:
    """Compare each pool's stored totals and held earmarks with its
    ledger."""
    pools = []
    for pool in ReservePool.objects.order_by("id"):
        sums = pool.entries.aggregate(
            balance=Sum("balance_change"), earmarked=Sum("earmark_change")
        )
        held = (
            pool.earmarks.filter(status=EarmarkStatus.HELD).aggregate(
                total=Sum("amount_cny")
            )["total"]
            or ZERO
        )
        ledger_balance = sums["balance"] or ZERO
        ledger_earmarked = sums["earmarked"] or ZERO
        problems = []
        if ledger_balance != pool.balance:
            problems.append("balance")
        if ledger_earmarked != pool.earmarked:
            problems.append("earmarked")
        if held != ledger_earmarked:
            problems.append("held_earmarks")
        if ledger_balance - ledger_earmarked < 0:
            problems.append("overdraft")
        pools.append(
            {
                "pool": pool.code,
                "stored_balance": str(pool.balance),
                "ledger_balance": str(ledger_balance),
                "stored_earmarked": str(pool.earmarked),
                "ledger_earmarked": str(ledger_earmarked),
                "held_earmarks": str(held),
                "consistent": not problems,
                "problems": problems,
            }
        )
    return {"consistent": all(p["consistent"] for p in pools), "pools": pools}
