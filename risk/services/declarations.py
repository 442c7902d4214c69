"""Invoice totals typed in by a person, for the invoice-total rule."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.roles import Role, has_role
from parkportal.core.errors import InvalidInput, NotAllowed, NotFound
from refunds.models import Document, DocumentKind, State
from refunds.services.audit import audit_record
from refunds.services.lifecycle import lock_refund
from risk.models import InvoiceDeclaration
from risk.services.assessment import queue_assessment


def invoice_declare(
    *, document_id: int, actor, declared_total, currency: str | None = None
) -> InvoiceDeclaration:
    if not has_role(actor, Role.OPS_SPECIALIST, Role.OPS_MANAGER, Role.RISK_OFFICER):
        raise NotAllowed(_("Only operations or risk may enter an invoice total."))
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        raise NotFound(_("This document does not exist."))
    if document.kind != DocumentKind.INVOICE:
        raise InvalidInput(_("This document is not an invoice."), code="not_invoice")
    total = _clean_total(declared_total)
    with transaction.atomic():
        refund = lock_refund(document.refund_id)
        declaration = InvoiceDeclaration.objects.create(
            document=document,
            declared_total=total,
            currency=(currency or refund.currency).upper(),
            entered_by=actor,
        )
        audit_record(
            actor=actor,
            action="risk.invoice_total",
            obj=declaration,
            refund=refund,
            after={"document": document.pk, "total": str(total)},
        )
        if refund.state != State.DRAFT:
            queue_assessment(refund.pk, "declaration")
    return declaration


def _clean_total(value) -> Decimal:
    try:
        total = Decimal(str(value))
    except (InvalidOperation, TypeError):
        total = None
    if total is None or not total.is_finite() or total <= 0:
        raise InvalidInput(
            _("The invoice total must be an amount above zero."), code="invalid_amount"
        )
    return total.quantize(Decimal("0.01"))
