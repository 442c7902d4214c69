"""Rules on the documents of a case."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from refunds.models import DocumentKind
from refunds.rules import REQUIRED_DOCUMENTS
from risk.rules.base import Param, RuleType, format_amount, hit, no_hit, register


@register
class RequiredDocumentMissing(RuleType):
    name = "required_document_missing"
    label = _("A required document type is missing")
    category = "compliance"
    default_score = 50
    params = {
        "required": Param(
            "reason_kinds",
            {reason: list(kinds) for reason, kinds in REQUIRED_DOCUMENTS.items()},
            _("Per refund reason, the document kinds a case must carry."),
        ),
        "invoice_from_cny": Param(
            "decimal",
            "1000000.00",
            _("From this amount (CNY) every case must carry an invoice."),
        ),
    }

    def evaluate(self, context, params):
        required = set(params["required"].get(context.reason, []))
        if context.amount_cny >= params["invoice_from_cny"]:
            required.add(DocumentKind.INVOICE)
        present = {document.kind for document in context.documents}
        missing = sorted(required - present)
        if missing:
            return hit(
                gettext_noop("Required documents are missing: %(kinds)s."),
                kinds=", ".join(missing),
            )
        return no_hit(
            gettext_noop("Every required document is present: %(kinds)s."),
            kinds=", ".join(sorted(required)),
        )


@register
class InvoiceTotalMismatch(RuleType):
    name = "invoice_total_mismatch"
    label = _("Invoice totals do not add up to the amount")
    category = "operational"
    default_score = 50
    params = {
        "tolerance": Param(
            "decimal", "1.00", _("Difference (in the refund's currency) accepted.")
        )
    }

    def evaluate(self, context, params):
        invoices = [d for d in context.documents if d.kind == DocumentKind.INVOICE]
        totals = context.invoice_totals
        declared = [totals[d.pk] for d in invoices if d.pk in totals]
        if not invoices or len(declared) < len(invoices):
            # Judging from some of the invoices would flag every case whose
            # last invoice has not been typed in yet.
            return no_hit(
                gettext_noop(
                    "%(declared)s of %(count)s invoices have a declared total; the "
                    "sum is checked once all have one."
                ),
                declared=len(declared),
                count=len(invoices),
            )
        foreign = [row for row in declared if row.currency != context.currency]
        if foreign:
            return hit(
                gettext_noop(
                    "An invoice is in %(currency)s, not in the refund's currency."
                ),
                currency=foreign[0].currency,
            )
        total = sum((row.declared_total for row in declared), Decimal("0"))
        values = {
            "total": format_amount(total),
            "amount": format_amount(context.amount),
            "currency": context.currency,
            "count": len(declared),
        }
        if abs(total - context.amount) > params["tolerance"]:
            return hit(
                gettext_noop(
                    "The %(count)s invoices add up to %(total)s %(currency)s, not to "
                    "the %(amount)s %(currency)s asked for."
                ),
                **values,
            )
        return no_hit(
            gettext_noop("The %(count)s invoices add up to the amount asked for."),
            **values,
        )
