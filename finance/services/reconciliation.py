"""Reconciliation: a bank statement confirms or fails the payments it
names; what it cannot place is listed for a person."""

import logging
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from finance import bankfiles
from finance.models import (
    BankStatement,
    Earmark,
    EarmarkStatus,
    EntryKind,
    LedgerEntry,
    LineOutcome,
    Payment,
    PaymentStatus,
    StatementLine,
)
from finance.models.bank import NEEDS_A_PERSON
from finance.services import require_role
from finance.services.pool import pool_lock, post_entry, watch_watermark
from parkportal.accounts.roles import Role
from parkportal.core import clock
from parkportal.core.errors import Conflict, InvalidInput, NotFound
from parkportal.core.jobs import job_start
from parkportal.core.models import Job
from refunds.models import State
from refunds.services.audit import audit_record
from refunds.services.lifecycle import apply, lock_refund

logger = logging.getLogger(__name__)


def statement_import_start(*, actor, content: bytes, file_format: str) -> Job:
    """Check the file now and import it in a job: a refused role or a file
    that does not parse is answered at once, the reconciliation runs on a
    worker."""
    require_role(actor, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR)
    bankfiles.parse_statement(content, file_format)
    return job_start(
        actor=actor,
        kind="finance.jobs.import_statement",
        title=gettext_noop("Statement import"),
        params={"file_format": file_format},
        upload=content,
    )


def statement_import(
    *, actor, content: bytes, file_format: str
) -> tuple[BankStatement, bool]:
    """Import a statement once. Answers (statement, created); a statement
    seen before is returned as it is and nothing changes."""
    require_role(actor, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR)
    parsed = bankfiles.parse_statement(content, file_format)
    known = BankStatement.objects.filter(statement_id=parsed.statement_id).first()
    if known is not None:
        return known, False

    with transaction.atomic():
        payments = _payments_named(parsed)
        # Case rows by id, then the pool, then payments: the order every
        # money path takes, so an import never deadlocks with an approval.
        refunds = {
            pk: lock_refund(pk) for pk in sorted(p.refund_id for p in payments.values())
        }
        pool = pool_lock()
        try:
            with transaction.atomic():
                statement = BankStatement.objects.create(
                    statement_id=parsed.statement_id,
                    file_format=file_format,
                    sha256=bankfiles.digest(content),
                    imported_by=actor,
                )
        except IntegrityError:
            # The same statement imported at the same moment by someone
            # else: theirs counts, this one changes nothing.
            return BankStatement.objects.get(statement_id=parsed.statement_id), False
        locked = {
            p.end_to_end_id: p
            for p in Payment.objects.select_for_update().filter(
                pk__in=[p.pk for p in payments.values()]
            )
        }
        outcomes = _reconcile(statement, parsed, locked, refunds, pool, actor)
        audit_record(
            actor=actor,
            action="finance.statement.import",
            obj=statement,
            after={"format": file_format, "outcomes": outcomes},
        )
        watch_watermark(pool)
    logger.info("statement %s imported: %s", statement.statement_id, outcomes)
    return statement, True


def _payments_named(parsed) -> dict[str, Payment]:
    ids = {entry.end_to_end_id for entry in parsed.entries if entry.end_to_end_id}
    return {p.end_to_end_id: p for p in Payment.objects.filter(end_to_end_id__in=ids)}


def _reconcile(statement, parsed, payments, refunds, pool, actor) -> dict:
    returned = {entry.end_to_end_id for entry in parsed.entries if entry.returned}
    outcomes = defaultdict(int)
    for entry in parsed.entries:
        payment = payments.get(entry.end_to_end_id)
        refund = refunds.get(payment.refund_id) if payment else None
        if entry.end_to_end_id in returned and not entry.returned and payment:
            # The debit and its return in one statement: the return decides.
            outcome, reason = LineOutcome.IGNORED, _("Offset by a return.")
        else:
            outcome, reason = _settle(entry, payment, refund, pool, actor)
        StatementLine.objects.create(
            statement=statement,
            line_key=entry.line_key,
            end_to_end_id=entry.end_to_end_id[:35],
            amount=entry.amount,
            currency=entry.currency,
            booking_date=entry.booking_date,
            returned=entry.returned,
            reason=(entry.reason or reason)[:300],
            outcome=outcome,
            payment=payment,
        )
        outcomes[str(outcome)] += 1
    return dict(outcomes)


def _settle(entry, payment, refund, pool, actor):
    if payment is None:
        return LineOutcome.UNMATCHED, ""
    if payment.status != PaymentStatus.SENT:
        return LineOutcome.DUPLICATE, ""
    if entry.amount != payment.amount or entry.currency != payment.currency:
        return LineOutcome.MISMATCHED, ""
    if entry.returned:
        payment_fail(payment, refund, pool, actor, reason=entry.reason)
        return LineOutcome.FAILED, ""
    payment_confirm(payment, refund, actor)
    return LineOutcome.CONFIRMED, ""


def payment_confirm(payment: Payment, refund, actor) -> None:
    """The bank booked the transfer; the caller holds the case lock."""
    payment.status = PaymentStatus.PAID
    payment.settled_at = clock.now()
    payment.save(update_fields=["status", "settled_at", "updated_at"])
    if refund.state == State.DISBURSING:
        apply(refund, "confirm_paid", actor, params={"payment": payment.end_to_end_id})


def payment_fail(payment: Payment, refund, pool, actor, *, reason: str) -> None:
    """The bank returned the transfer: the disbursement is reversed and the
    money is held for the case again, once. Caller holds case and pool
    locks."""
    reason = reason.strip() or _("Returned by the bank without a reason.")
    payment.status = PaymentStatus.FAILED
    payment.failure_reason = reason[:300]
    payment.settled_at = clock.now()
    payment.save(update_fields=["status", "failure_reason", "settled_at", "updated_at"])

    disbursement = LedgerEntry.objects.get(payment=payment, kind=EntryKind.DISBURSEMENT)
    # reverses is one-to-one: a second reversal of the same payment is
    # refused by the database even if a path forgot to look.
    post_entry(
        pool,
        kind=EntryKind.REVERSAL,
        actor=actor,
        balance_change=-disbursement.balance_change,
        earmark_change=-disbursement.earmark_change,
        reverses=disbursement,
        refund_id=refund.pk,
        payment=payment,
        memo=reason,
    )
    Earmark.objects.filter(refund=refund).update(
        status=EarmarkStatus.HELD, updated_at=clock.now()
    )
    if refund.state == State.DISBURSING:
        apply(refund, "mark_failed", actor, comment=reason)


def statement_line_resolve(*, line_id: int, actor, resolution: str) -> StatementLine:
    require_role(actor, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR)
    if not resolution.strip():
        raise InvalidInput(
            _("Please say how the line was resolved."), code="comment_required"
        )
    with transaction.atomic():
        line = StatementLine.objects.select_for_update().filter(pk=line_id).first()
        if line is None:
            raise NotFound(_("This statement line does not exist."))
        if line.outcome not in NEEDS_A_PERSON or line.resolved_at is not None:
            raise Conflict(_("This line needs no resolution."), code="line_resolved")
        line.resolved_by = actor
        line.resolved_at = clock.now()
        line.resolution = resolution.strip()[:300]
        line.save(update_fields=["resolved_by", "resolved_at", "resolution"])
        audit_record(
            actor=actor,
            action="finance.statement_line.resolve",
            obj=line,
            after={"outcome": line.outcome, "resolution": line.resolution},
        )
    return line
