"""Disbursement batches: built by a finance officer, authorised by the
finance director (another person), exported as a bank payment file."""

import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from finance import bankfiles
from finance.fx import rate_to_cny
from finance.models import (
    BatchStatus,
    DisbursementBatch,
    Earmark,
    EarmarkStatus,
    EntryKind,
    Payment,
    PaymentStatus,
)
from finance.models.disbursement import OPEN_PAYMENT_STATUSES
from finance.services import require_role
from finance.services.pool import (
    earmark_awaiting,
    pool_lock,
    post_entry,
    watch_watermark,
)
from parkportal.accounts.roles import Role
from parkportal.core import clock
from parkportal.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from refunds import fx
from refunds.models import State
from refunds.rules import payment_channel
from refunds.services.audit import audit_record
from refunds.services.lifecycle import apply, guard, lock_refund

logger = logging.getLogger(__name__)

PAYABLE_STATES = (State.APPROVED, State.DISBURSEMENT_FAILED)


def _check_payable(refund) -> Earmark:
    if refund.state not in PAYABLE_STATES:
        raise Conflict(
            _("%(ref)s is not waiting for payment.") % {"ref": refund.reference},
            code="not_payable",
        )
    earmark = Earmark.objects.filter(refund=refund).first()
    if earmark is None or earmark.status != EarmarkStatus.HELD:
        raise Conflict(
            _("%(ref)s has no pool money earmarked yet.") % {"ref": refund.reference},
            code="awaiting_funds",
        )
    if refund.payments.filter(status__in=OPEN_PAYMENT_STATUSES).exists():
        raise Conflict(
            _("%(ref)s is already in a batch.") % {"ref": refund.reference},
            code="already_in_batch",
        )
    return earmark


def _new_payment(batch, refund, earmark) -> Payment:
    attempt = refund.payments.count() + 1
    return Payment.objects.create(
        batch=batch,
        refund=refund,
        attempt=attempt,
        end_to_end_id=f"{refund.reference}-{attempt}",
        amount=refund.approved_amount,
        currency=refund.currency,
        rate_at_approval=refund.fx_rate_at_approval or 1,
        amount_cny_at_approval=earmark.amount_cny,
        payee_name=refund.payee_name,
        payee_bank=refund.payee_bank,
        payee_account=refund.payee_account,
    )


def batch_build(*, actor, refund_ids: list[int], note: str = "") -> DisbursementBatch:
    """Put approved (or failed, for a retry) cases with held earmarks in a
    new batch."""
    require_role(actor, Role.FINANCE_OFFICER)
    ids = sorted({int(pk) for pk in refund_ids})
    if not ids:
        raise InvalidInput(_("Please choose at least one case."), code="empty_batch")
    with transaction.atomic():
        # Case rows first, by id: no one else can put these cases in a
        # batch, authorise or approve them until this batch exists.
        refunds = [lock_refund(pk) for pk in ids]
        batch = DisbursementBatch.objects.create(
            reference=f"new-{uuid.uuid4().hex[:20]}", built_by=actor, note=note.strip()
        )
        batch.reference = f"PB-{clock.today():%Y%m%d}-{batch.pk:05d}"
        batch.save(update_fields=["reference", "updated_at"])
        for refund in refunds:
            _new_payment(batch, refund, _check_payable(refund))
        audit_record(
            actor=actor,
            action="finance.batch.build",
            obj=batch,
            after={"cases": [refund.reference for refund in refunds]},
        )
    logger.info("batch %s built with %s cases", batch.reference, len(refunds))
    return batch


def _lock_batch(batch_id: int) -> DisbursementBatch:
    # After the case rows and the pool: two directors authorising the same
    # batch take turns, and the second finds it authorised.
    try:
        return DisbursementBatch.objects.select_for_update().get(pk=batch_id)
    except DisbursementBatch.DoesNotExist:
        raise NotFound(_("This batch does not exist.")) from None


def _pay(pool, payment: Payment, refund, actor, batch) -> None:
    if (payment.payee_account, payment.payee_name) != (
        refund.payee_account,
        refund.payee_name,
    ):
        raise Conflict(
            _("The payee of %(ref)s changed after the batch was built; build it again.")
            % {"ref": refund.reference},
            code="payee_changed",
        )
    name = "retry" if refund.state == State.DISBURSEMENT_FAILED else "schedule"
    with payment_channel():
        guard(refund, name, actor)
    earmark = Earmark.objects.get(refund=refund)
    if earmark.status != EarmarkStatus.HELD:
        raise Conflict(
            _("%(ref)s has no pool money earmarked.") % {"ref": refund.reference},
            code="awaiting_funds",
        )

    rate = rate_to_cny(payment.currency, clock.today())
    payment.rate_at_payment = rate
    payment.amount_cny_at_payment = fx.to_cny(payment.amount, rate)
    payment.fx_variance_cny = payment.amount_cny_at_payment - earmark.amount_cny
    payment.status = PaymentStatus.SENT
    payment.sent_at = clock.now()
    payment.save()
    # The earmark made at the approval rate is consumed; the balance pays
    # what the transfer costs at today's rate.
    post_entry(
        pool,
        kind=EntryKind.DISBURSEMENT,
        actor=actor,
        balance_change=-payment.amount_cny_at_payment,
        earmark_change=-earmark.amount_cny,
        refund_id=refund.pk,
        payment=payment,
        memo=batch.reference,
    )
    earmark.status = EarmarkStatus.CONSUMED
    earmark.save(update_fields=["status", "updated_at"])
    apply(refund, name, actor, params={"batch": batch.reference})


def batch_authorise(*, batch_id: int, actor) -> DisbursementBatch:
    """Move every case of the batch to disbursing and turn its earmark into
    a disbursement, all in one transaction."""
    require_role(actor, Role.FINANCE_DIRECTOR)
    with transaction.atomic():
        refund_ids = sorted(
            Payment.objects.filter(batch_id=batch_id).values_list(
                "refund_id", flat=True
            )
        )
        # Case rows by id, then the pool, then the batch: the order every
        # money path takes, so two authorisations (or an authorisation and
        # an approval) wait for each other instead of deadlocking.
        refunds = {pk: lock_refund(pk) for pk in refund_ids}
        pool = pool_lock()
        batch = _lock_batch(batch_id)
        if batch.status != BatchStatus.DRAFT:
            raise Conflict(
                _("This batch was already authorised or cancelled."),
                code="batch_not_draft",
            )
        if batch.built_by_id == actor.pk:
            raise NotAllowed(
                _("The person who built a batch may not authorise it."),
                code="four_eyes",
            )
        payments = batch.payments.filter(status=PaymentStatus.PLANNED).order_by(
            "refund_id"
        )
        for payment in payments:
            _pay(pool, payment, refunds[payment.refund_id], actor, batch)

        batch.status = BatchStatus.AUTHORISED
        batch.authorised_by = actor
        batch.authorised_at = clock.now()
        batch.execution_date = clock.today()
        batch.save()
        audit_record(
            actor=actor,
            action="finance.batch.authorise",
            obj=batch,
            before={"status": BatchStatus.DRAFT},
            after={"status": batch.status, "balance": str(pool.balance)},
        )
        # Paying at a better rate than at approval frees money for the
        # cases waiting for it.
        earmark_awaiting(pool, actor=actor)
        watch_watermark(pool)
    logger.info("batch %s authorised by %s", batch.reference, actor.pk)
    return batch


def batch_cancel(*, batch_id: int, actor, reason: str) -> DisbursementBatch:
    require_role(actor, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR)
    if not reason.strip():
        raise InvalidInput(_("Please give a reason."), code="comment_required")
    with transaction.atomic():
        batch = _lock_batch(batch_id)
        if batch.status != BatchStatus.DRAFT:
            raise Conflict(
                _("Only a batch that is not authorised yet can be cancelled."),
                code="batch_not_draft",
            )
        batch.payments.update(status=PaymentStatus.CANCELLED, updated_at=clock.now())
        batch.status = BatchStatus.CANCELLED
        batch.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="finance.batch.cancel",
            obj=batch,
            before={"status": BatchStatus.DRAFT},
            after={"status": batch.status, "reason": reason},
        )
    return batch


def _orders(batch: DisbursementBatch) -> list[bankfiles.PaymentOrder]:
    return [
        bankfiles.PaymentOrder(
            end_to_end_id=payment.end_to_end_id,
            payee_name=payment.payee_name,
            payee_bank=payment.payee_bank,
            payee_account=payment.payee_account,
            amount=payment.amount,
            currency=payment.currency,
            remittance=payment.refund.reference,
        )
        for payment in batch.payments.exclude(status=PaymentStatus.CANCELLED)
        .select_related("refund")
        .order_by("id")
    ]


def batch_export(*, batch_id: int, actor, file_format: str) -> tuple[bytes, str, str]:
    """The payment file of an authorised batch: (content, media type,
    file name)."""
    require_role(actor, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR)
    batch = DisbursementBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("This batch does not exist."))
    if batch.status != BatchStatus.AUTHORISED:
        raise Conflict(
            _("Only an authorised batch can be sent to the bank."),
            code="batch_not_authorised",
        )
    orders = _orders(batch)
    if file_format == "csv":
        content = bankfiles.payments_csv(orders).encode("utf-8")
        media, name = "text/csv", f"{batch.reference}.csv"
    elif file_format == "pain001":
        content = bankfiles.pain001(
            message_id=batch.reference,
            created_at=clock.now(),
            execution_date=batch.execution_date or clock.today(),
            debtor=bankfiles.Debtor(
                name=settings.FINANCE_DEBTOR_NAME,
                account=settings.FINANCE_DEBTOR_ACCOUNT,
                bank=settings.FINANCE_DEBTOR_BANK,
            ),
            orders=orders,
        )
        media, name = "application/xml", f"{batch.reference}.xml"
    else:
        raise InvalidInput(_("Unknown file format."), code="invalid_format")
    audit_record(
        actor=actor,
        action="finance.batch.export",
        obj=batch,
        after={"format": file_format, "sha256": bankfiles.digest(content)},
    )
    return content, media, name
