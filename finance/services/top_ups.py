"""Top-ups of the reserve pool: proposed by a finance officer, confirmed
by the finance director (another person), corrected by a reversal."""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from finance.models import EntryKind, LedgerEntry, TopUp, TopUpStatus
from finance.services import require_role
from finance.services.pool import (
    clean_amount,
    earmark_awaiting,
    pool_get,
    pool_lock,
    post_entry,
    watch_watermark,
)
from parkportal.accounts.roles import Role
from parkportal.core import clock
from parkportal.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from refunds.services.audit import audit_record

logger = logging.getLogger(__name__)


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
