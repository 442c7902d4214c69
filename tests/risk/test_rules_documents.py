from decimal import Decimal

import pytest

from risk.models import InvoiceDeclaration
from tests.risk.conftest import judge

pytestmark = pytest.mark.django_db


def _declare(document, total, currency="CNY"):
    return InvoiceDeclaration.objects.create(
        document=document,
        declared_total=Decimal(total),
        currency=currency,
        entered_by=document.uploaded_by,
    )


def _invoice(refund):
    return refund.documents.get(kind="invoice")


def test_required_documents_hits_a_missing_kind(cases):
    refund = cases.under_review(reason="prepaid_fee")
    _invoice(refund).delete()

    verdict = judge("required_document_missing", refund)

    assert verdict.hit
    assert verdict.params == {"kinds": "invoice"}


def test_required_documents_asks_an_invoice_for_large_amounts(cases):
    refund = cases.under_review(amount="1200000.00")
    _invoice(refund).delete()

    assert judge("required_document_missing", refund).hit
    assert not judge(
        "required_document_missing", refund, invoice_from_cny="1500000"
    ).hit


def test_required_documents_passes_a_complete_case(cases):
    assert not judge("required_document_missing", cases.under_review()).hit


def test_invoice_total_hits_totals_that_do_not_add_up(cases):
    refund = cases.under_review(amount="50000.00")
    _declare(_invoice(refund), "42000.00")

    verdict = judge("invoice_total_mismatch", refund)

    assert verdict.hit
    assert verdict.params["total"] == "42,000.00"


def test_invoice_total_adds_several_invoices_and_uses_the_newest_entry(cases, alice):
    from refunds.services.documents import document_upload
    from tests.factories import pdf

    refund = cases.draft(amount="50000.00")
    second = document_upload(
        refund_id=refund.pk, actor=alice, kind="invoice", uploaded_file=pdf("b.pdf")
    )
    first = refund.documents.filter(kind="invoice").exclude(pk=second.pk).get()
    _declare(first, "10000.00")
    _declare(first, "30000.00")
    _declare(second, "20000.00")

    assert not judge("invoice_total_mismatch", refund).hit


def test_invoice_total_waits_until_every_invoice_is_declared(cases, alice):
    from refunds.services.documents import document_upload
    from tests.factories import pdf

    refund = cases.draft(amount="50000.00")
    document_upload(
        refund_id=refund.pk, actor=alice, kind="invoice", uploaded_file=pdf("b.pdf")
    )
    _declare(refund.documents.filter(kind="invoice").first(), "1.00")

    verdict = judge("invoice_total_mismatch", refund)

    assert not verdict.hit
    assert verdict.params == {"declared": 1, "count": 2}


def test_invoice_total_hits_an_invoice_in_another_currency(cases):
    refund = cases.under_review(amount="50000.00")
    _declare(_invoice(refund), "50000.00", currency="USD")

    assert judge("invoice_total_mismatch", refund).hit


def test_invoice_total_accepts_a_difference_within_the_tolerance(cases):
    refund = cases.under_review(amount="50000.00")
    _declare(_invoice(refund), "49999.50")

    assert not judge("invoice_total_mismatch", refund).hit
    assert judge("invoice_total_mismatch", refund, tolerance="0.10").hit
