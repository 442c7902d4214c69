"""Paying a case the way the park does: money in the pool, a batch built by
one finance person and authorised by another, then the bank's statement.
Shared by the tests of every app that needs a paid or failed case."""

from decimal import Decimal

from finance import bankfiles
from finance.models import Payment
from finance.services.batches import batch_authorise, batch_build
from finance.services.reconciliation import statement_import
from finance.services.top_ups import top_up_confirm, top_up_propose
from parkportal.core import clock


def fund_pool(amount: str, *, officer, director) -> None:
    top_up = top_up_propose(actor=officer, amount=Decimal(amount))
    top_up_confirm(top_up_id=top_up.pk, actor=director)


def send_payment(refund, *, officer, director):
    """Schedule (or retry) a case: it leaves in an authorised batch."""
    batch = batch_build(actor=officer, refund_ids=[refund.pk])
    batch_authorise(batch_id=batch.pk, actor=director)
    return type(refund).objects.get(pk=refund.pk)


def bank_statement(refund, *, officer, returned: bool = False, reason: str = ""):
    """The bank books, or returns, the case's latest payment."""
    payment = Payment.objects.filter(refund=refund).latest("id")
    entry = bankfiles.StatementEntry(
        line_key=f"{payment.end_to_end_id}-{payment.pk}",
        end_to_end_id=payment.end_to_end_id,
        amount=payment.amount,
        currency=payment.currency,
        booking_date=clock.today(),
        returned=returned,
        reason=reason or ("AC04 Account closed" if returned else ""),
    )
    content = bankfiles.camt053(
        statement_id=f"TEST-{payment.end_to_end_id}-{payment.pk}",
        created_at=clock.now(),
        account="TEST",
        entries=[entry],
    )
    statement_import(actor=officer, content=content, file_format="camt053")
    return type(refund).objects.get(pk=refund.pk)
