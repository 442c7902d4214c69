"""What a rule sees of a case: the inputs recorded when it was assessed and
the rest of the database as it stood at that moment.

Every query here is bounded by `as_of`, so that replaying an assessment
later (a backtest) sees what the live run saw. Two inputs are not kept as
history and are read as they are now: another case's payee account (it
changes only when finance corrects a failed payment) and its approved
amount (it only lowers what a contract has given back).
"""

from datetime import timedelta
from decimal import Decimal
from functools import cached_property

from django.utils import timezone

from refunds import fx
from refunds.models import Document, RefundRequest, TimelineEntry


def snapshot_of(refund: RefundRequest) -> dict:
    """The inputs of an assessment, as JSON."""
    from risk.models import InvoiceDeclaration

    declarations = InvoiceDeclaration.objects.filter(document__refund=refund)
    return {
        "amount": str(refund.amount),
        "currency": refund.currency,
        "amount_cny": None if refund.amount_cny is None else str(refund.amount_cny),
        "reason": refund.reason,
        "payee_account": refund.payee_account,
        "contract_id": refund.contract_id,
        "enterprise_id": refund.enterprise_id,
        "document_ids": sorted(refund.documents.values_list("id", flat=True)),
        "declaration_ids": sorted(declarations.values_list("id", flat=True)),
    }


class CaseContext:
    def __init__(self, refund: RefundRequest, as_of, snapshot: dict):
        self.refund = refund
        self.as_of = as_of
        self.snapshot = snapshot

    @property
    def amount(self) -> Decimal:
        return Decimal(self.snapshot["amount"])

    @property
    def currency(self) -> str:
        return self.snapshot["currency"]

    @property
    def reason(self) -> str:
        return self.snapshot["reason"]

    @property
    def payee_account(self) -> str:
        return self.snapshot["payee_account"]

    @property
    def enterprise_id(self) -> int:
        return self.snapshot["enterprise_id"]

    @property
    def contract_id(self) -> int:
        return self.snapshot["contract_id"]

    @cached_property
    def amount_cny(self) -> Decimal:
        if self.snapshot.get("amount_cny") is not None:
            return Decimal(self.snapshot["amount_cny"])
        rate = fx.rate_to_cny(self.currency, timezone.localdate(self.as_of))
        return fx.to_cny(self.amount, rate)

    def days_ago(self, days: int):
        return self.as_of - timedelta(days=days)

    @cached_property
    def documents(self) -> list[Document]:
        return list(Document.objects.filter(pk__in=self.snapshot["document_ids"]))

    @cached_property
    def invoice_totals(self) -> dict[int, object]:
        """The newest declared total per document this assessment saw."""
        from risk.models import InvoiceDeclaration

        latest = {}
        rows = InvoiceDeclaration.objects.filter(
            pk__in=self.snapshot.get("declaration_ids", [])
        ).order_by("id")
        for row in rows:
            latest[row.document_id] = row
        return latest

    def submitted_before(self):
        """Other cases submitted up to the moment of the assessment."""
        return RefundRequest.objects.filter(
            submitted_at__isnull=False, submitted_at__lte=self.as_of
        ).exclude(pk=self.refund.pk)

    def states_at(self, refunds) -> dict[int, str]:
        """The state each of `refunds` was in at the moment of the
        assessment, read from the timeline."""
        states = {refund.pk: refund.state for refund in refunds}
        entries = (
            TimelineEntry.objects.filter(
                refund_id__in=list(states), created_at__lte=self.as_of
            )
            .exclude(state_after="")
            .order_by("refund_id", "created_at", "id")
            .values_list("refund_id", "state_after")
        )
        for refund_id, state in entries:
            states[refund_id] = state
        return states
