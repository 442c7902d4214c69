"""The reserve pool: ledger postings, earmarks, top-ups and the check of
stored totals against the ledger."""

import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from finance.models import (
    Earmark,
    EarmarkStatus,
    EntryKind,
    LedgerEntry,
    ReservePool,
    TopUp,
    TopUpStatus,
)
from finance.models.pool import MAIN_POOL, ZERO
from finance.services import require_role
from parkportal.accounts.roles import Role
from parkportal.core import clock
from parkportal.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
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
        from finance import tasks

        logger.info(
            "pool %s below its watermark: available %s < %s",
            pool.code,
            pool.available,
            pool.low_watermark,
        )
        transaction.on_commit(lambda: tasks.alert_low_watermark.delay(pool.pk))


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
    from finance import tasks

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
    transaction.on_commit(lambda: tasks.notify_awaiting_funds.delay(earmark.pk))


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


# Top-ups.


def top_up_propose(
    *, actor, amount, expected_on=None, bank_reference: str = "", note: str = ""
) -> TopUp:
    require_role(actor, Role.FINANCE_OFFICER)
    amount = clean_amount(amount)
    with transaction.atomic():
        top_up = TopUp.objects.create(
            pool=pool_get(),
            amount=amount,
            expected_on=expected_on,
            bank_reference=bank_reference.strip(),
            note=note.strip(),
            proposed_by=actor,
        )
        audit_record(
            actor=actor,
            action="finance.top_up.propose",
            obj=top_up,
            after={"amount": str(amount), "expected_on": str(expected_on or "")},
        )
    return top_up


def _lock_top_up(top_up_id: int) -> TopUp:
    # Taken after the pool lock: two directors confirming one top-up take
    # turns, and the second finds it already confirmed.
    try:
        return TopUp.objects.select_for_update().get(pk=top_up_id)
    except TopUp.DoesNotExist:
        raise NotFound(_("This top-up does not exist.")) from None


def _decide_top_up(top_up: TopUp, actor) -> None:
    if top_up.status != TopUpStatus.PROPOSED:
        raise Conflict(_("This top-up was already decided."), code="top_up_decided")
    if top_up.proposed_by_id == actor.pk:
        raise NotAllowed(
            _("The person who proposed a top-up may not confirm it."),
            code="four_eyes",
        )


def top_up_confirm(*, top_up_id: int, actor) -> TopUp:
    require_role(actor, Role.FINANCE_DIRECTOR)
    with transaction.atomic():
        pool = pool_lock()
        top_up = _lock_top_up(top_up_id)
        _decide_top_up(top_up, actor)

        post_entry(
            pool,
            kind=EntryKind.TOP_UP,
            actor=actor,
            balance_change=top_up.amount,
            top_up=top_up,
            memo=top_up.bank_reference or top_up.note,
        )
        top_up.status = TopUpStatus.CONFIRMED
        top_up.decided_by = actor
        top_up.decided_at = clock.now()
        top_up.save()
        audit_record(
            actor=actor,
            action="finance.top_up.confirm",
            obj=top_up,
            before={"status": TopUpStatus.PROPOSED},
            after={"status": top_up.status, "balance": str(pool.balance)},
        )
        held = earmark_awaiting(pool, actor=actor)
        watch_watermark(pool)
    logger.info(
        "top-up %s of %s confirmed; %s waiting cases earmarked",
        top_up.pk,
        top_up.amount,
        len(held),
    )
    return top_up


def top_up_reject(*, top_up_id: int, actor, reason: str) -> TopUp:
    require_role(actor, Role.FINANCE_DIRECTOR)
    if not reason.strip():
        raise InvalidInput(_("Please give a reason."), code="comment_required")
    with transaction.atomic():
        top_up = _lock_top_up(top_up_id)
        _decide_top_up(top_up, actor)
        top_up.status = TopUpStatus.REJECTED
        top_up.decided_by = actor
        top_up.decided_at = clock.now()
        top_up.save()
        audit_record(
            actor=actor,
            action="finance.top_up.reject",
            obj=top_up,
            before={"status": TopUpStatus.PROPOSED},
            after={"status": top_up.status, "reason": reason},
        )
    return top_up


def top_up_reverse(*, entry_id: int, actor, reason: str) -> LedgerEntry:
    """Correct a top-up booked by mistake with a reversal entry; refused
    when the money is already promised to cases."""
    require_role(actor, Role.FINANCE_DIRECTOR)
    if not reason.strip():
        raise InvalidInput(_("Please give a reason."), code="comment_required")
    with transaction.atomic():
        pool = pool_lock()
        entry = LedgerEntry.objects.filter(pk=entry_id, pool=pool).first()
        if entry is None or entry.kind != EntryKind.TOP_UP:
            raise NotFound(_("There is no such top-up entry."))
        if LedgerEntry.objects.filter(reverses=entry).exists():
            raise Conflict(
                _("This entry was already reversed."), code="already_reversed"
            )
        reversal = post_entry(
            pool,
            kind=EntryKind.REVERSAL,
            actor=actor,
            balance_change=-entry.balance_change,
            reverses=entry,
            top_up_id=entry.top_up_id,
            memo=reason,
        )
        audit_record(
            actor=actor,
            action="finance.ledger.reverse",
            obj=reversal,
            after={
                "reverses": entry.pk,
                "reason": reason,
                "balance": str(pool.balance),
            },
        )
        watch_watermark(pool)
    return reversal


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
