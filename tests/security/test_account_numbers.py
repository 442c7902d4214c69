"""Bank account numbers: every page shows the last four digits only; the
bank file, which finance sends to the bank, carries the whole number; and
no log line carries it, whatever the code logs, because the handlers the
settings configure mask it."""

import io
import logging

import pytest
from django.urls import reverse

from finance import bankfiles
from finance.services.batches import batch_authorise, batch_build, batch_export
from refunds.services.lifecycle import refund_transition
from tests.payments import bank_statement, fund_pool, send_payment

pytestmark = pytest.mark.django_db

ACCOUNT = "6222555566667777"
STAFF_AND_APPLICANT = ("alice", "olivia", "mark", "fiona", "diana", "carl", "rita")


@pytest.fixture
def console():
    """What the configured console handler writes, for the length of a
    test."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


@pytest.mark.parametrize("actor", (*STAFF_AND_APPLICANT, "audrey"))
def test_the_case_page_shows_the_last_four_digits_only(client, cases, request, actor):
    refund = cases.under_review(payee_account=ACCOUNT)
    client.force_login(request.getfixturevalue(actor))

    page = client.get(reverse("refunds:case", args=[refund.pk])).content.decode()

    assert "7777" in page
    assert ACCOUNT not in page


def test_the_bank_file_carries_the_whole_number(cases, mark, fiona, diana):
    fund_pool("100000.00", officer=fiona, director=diana)
    refund = cases.approved([mark], payee_account=ACCOUNT)
    batch = batch_build(actor=fiona, refund_ids=[refund.pk])
    batch_authorise(batch_id=batch.pk, actor=diana)

    content, _media, _name = batch_export(
        batch_id=batch.pk, actor=fiona, file_format="pain001"
    )

    orders = bankfiles.parse_pain001(content)
    assert [order.payee_account for order in orders] == [ACCOUNT]


def test_no_log_line_carries_a_whole_account_number(
    console, cases, mark, olivia, fiona, diana
):
    fund_pool("100000.00", officer=fiona, director=diana)
    refund = cases.approved([mark], payee_account=ACCOUNT)
    send_payment(refund, officer=fiona, director=diana)
    bank_statement(refund, officer=fiona, returned=True, reason=f"AC04 {ACCOUNT}")
    refund_transition(
        refund_id=cases.under_review(payee_account=ACCOUNT).pk,
        name="request_info",
        actor=olivia,
        comment=f"Is {ACCOUNT} yours?",
    )
    # Whatever a module passes to a logger goes through the same handler.
    logging.getLogger("finance.services.reconciliation").warning(
        "bank answered for account %s", ACCOUNT
    )

    written = console.getvalue()
    assert refund.reference in written
    assert "bank answered for account ************7777" in written
    assert ACCOUNT not in written
