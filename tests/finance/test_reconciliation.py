from decimal import Decimal

import pytest

from finance.models import (
    EarmarkStatus,
    EntryKind,
    LedgerEntry,
    LineOutcome,
    Payment,
    PaymentStatus,
    StatementLine,
)
from finance.selectors import lines_needing_a_person
from finance.services.batches import batch_authorise, batch_build
from finance.services.pool import ledger_check
from finance.services.reconciliation import (
    statement_import,
    statement_import_start,
    statement_line_resolve,
)
from parkportal.core.errors import Conflict, InvalidInput, NotAllowed
from parkportal.core.models import Job, JobStatus
from refunds.models import RefundRequest, State, TimelineEntry
from refunds.services.cases import refund_correct_payee
from tests.finance.conftest import statement

pytestmark = pytest.mark.django_db

# What a bank sends back: the first payment booked, the second booked and
# returned the next day (account closed), one debit nobody ordered, and the
# third payment booked for a different amount.
HAND_WRITTEN_CAMT053 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-20261103</MsgId><CreDtTm>2026-11-03T18:00:00+08:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>ICBC-STMT-20261103-01</Id>
      <CreDtTm>2026-11-03T18:00:00+08:00</CreDtTm>
      <Acct><Id><Othr><Id>CN0000000000000000</Id></Othr></Id></Acct>
      <Ntry>
        <Amt Ccy="CNY">60000.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-03</Dt></BookgDt>
        <AcctSvcrRef>BK-0001</AcctSvcrRef>
        <NtryDtls><TxDtls><Refs><EndToEndId>{first}</EndToEndId></Refs></TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="CNY">40000.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-03</Dt></BookgDt>
        <AcctSvcrRef>BK-0002</AcctSvcrRef>
        <NtryDtls><TxDtls><Refs><EndToEndId>{second}</EndToEndId></Refs></TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="CNY">40000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd>
        <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-04</Dt></BookgDt>
        <AcctSvcrRef>BK-0003</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>{second}</EndToEndId></Refs>
          <RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Account closed</AddtlInf></RtrInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="CNY">123.45</Amt><CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-03</Dt></BookgDt>
        <AcctSvcrRef>BK-0004</AcctSvcrRef>
        <NtryDtls><TxDtls><Refs><EndToEndId>UNKNOWN-REF</EndToEndId></Refs></TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="CNY">25000.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-03</Dt></BookgDt>
        <AcctSvcrRef>BK-0005</AcctSvcrRef>
        <NtryDtls><TxDtls><Refs><EndToEndId>{third}</EndToEndId></Refs></TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


@pytest.fixture
def sent(funded_pool, cases, mark, pay):
    """Three cases in an authorised batch: 60 000, 40 000 and 20 000."""
    refunds = [
        cases.approved([mark], amount=a) for a in ("60000.00", "40000.00", "20000.00")
    ]
    pay(*refunds)
    return refunds


def hand_written(refunds) -> bytes:
    first, second, third = (f"{r.reference}-1" for r in refunds)
    return HAND_WRITTEN_CAMT053.format(first=first, second=second, third=third).encode()


def state(refund):
    return RefundRequest.objects.get(pk=refund.pk).state


def test_a_hand_written_statement_reconciles_as_expected(sent, fiona, funded_pool):
    first, second, third = sent

    imported, created = statement_import(
        actor=fiona, content=hand_written(sent), file_format="camt053"
    )

    assert created
    assert (state(first), state(second), state(third)) == (
        State.DISBURSED,
        State.DISBURSEMENT_FAILED,
        State.DISBURSING,
    )
    outcomes = dict(imported.lines.values_list("line_key", "outcome"))
    assert outcomes == {
        "BK-0001": LineOutcome.CONFIRMED,
        "BK-0002": LineOutcome.IGNORED,
        "BK-0003": LineOutcome.FAILED,
        "BK-0004": LineOutcome.UNMATCHED,
        "BK-0005": LineOutcome.MISMATCHED,
    }
    failed = Payment.objects.get(refund=second)
    assert failed.status == PaymentStatus.FAILED
    assert failed.failure_reason == "AC04 Account closed"
    assert (
        TimelineEntry.objects.get(refund=second, kind="mark_failed").params["comment"]
        == "AC04 Account closed"
    )
    # The returned money is back in the pool and held for the retry.
    funded_pool.refresh_from_db()
    assert funded_pool.balance == Decimal("920000.00")
    assert funded_pool.earmarked == Decimal("40000.00")
    assert (
        second.earmark.__class__.objects.get(refund=second).status == EarmarkStatus.HELD
    )
    assert [line.line_key for line in lines_needing_a_person()] == [
        "BK-0004",
        "BK-0005",
    ]
    assert ledger_check()["consistent"]


def test_importing_the_same_statement_twice_changes_nothing(sent, fiona, diana):
    content = hand_written(sent)
    first_import, _ = statement_import(
        actor=fiona, content=content, file_format="camt053"
    )
    entries = LedgerEntry.objects.count()
    events = TimelineEntry.objects.count()

    again, created = statement_import(
        actor=diana, content=content, file_format="camt053"
    )

    assert not created
    assert again == first_import
    assert LedgerEntry.objects.count() == entries
    assert TimelineEntry.objects.count() == events
    assert StatementLine.objects.count() == 5


def test_a_second_statement_repeating_a_settled_line_is_flagged(sent, fiona):
    payment = Payment.objects.get(refund=sent[0])
    statement_import(
        actor=fiona, content=statement("S-1", paid=[payment]), file_format="camt053"
    )

    later, _ = statement_import(
        actor=fiona,
        content=statement("S-2", returned=[(payment, "AC04 late")]),
        file_format="camt053",
    )

    assert later.lines.get().outcome == LineOutcome.DUPLICATE
    assert state(sent[0]) == State.DISBURSED
    assert LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 0


def test_a_return_is_reversed_once_even_when_two_statements_report_it(sent, fiona):
    payment = Payment.objects.get(refund=sent[1])
    statement_import(
        actor=fiona,
        content=statement("S-1", returned=[(payment, "AC04")]),
        file_format="camt053",
    )

    statement_import(
        actor=fiona,
        content=statement("S-2", returned=[(payment, "AC04")]),
        file_format="camt053",
    )

    assert LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1
    assert ledger_check()["consistent"]


def test_a_person_resolves_an_unmatched_line_once(sent, fiona):
    statement_import(actor=fiona, content=hand_written(sent), file_format="camt053")
    line = StatementLine.objects.get(line_key="BK-0004")

    statement_line_resolve(line_id=line.pk, actor=fiona, resolution="Bank fee, booked")

    assert [line.line_key for line in lines_needing_a_person()] == ["BK-0005"]
    with pytest.raises(Conflict):
        statement_line_resolve(line_id=line.pk, actor=fiona, resolution="again")


def test_a_failed_payment_is_retried_to_a_corrected_verified_account(
    sent, fiona, diana, acme_account, funded_pool
):
    second = sent[1]
    payment = Payment.objects.get(refund=second)
    statement_import(
        actor=fiona,
        content=statement("S-1", returned=[(payment, "AC04")]),
        file_format="camt053",
    )

    refund_correct_payee(
        refund_id=second.pk,
        actor=fiona,
        payee_name="Acme Robotics",
        payee_bank="Bank of Suzhou",
        payee_account=acme_account.account_number,
    )
    batch = batch_build(actor=fiona, refund_ids=[second.pk])
    batch_authorise(batch_id=batch.pk, actor=diana)

    retry = Payment.objects.get(refund=second, attempt=2)
    assert state(second) == State.DISBURSING
    assert retry.payee_account == acme_account.account_number
    assert retry.end_to_end_id == f"{second.reference}-2"
    assert TimelineEntry.objects.filter(refund=second, kind="retry").count() == 1
    statement_import(
        actor=fiona, content=statement("S-2", paid=[retry]), file_format="camt053"
    )
    assert state(second) == State.DISBURSED
    funded_pool.refresh_from_db()
    assert funded_pool.balance == Decimal("880000.00")
    assert funded_pool.earmarked == Decimal("0.00")
    assert ledger_check()["consistent"]


def test_a_failed_payment_cannot_be_redirected_to_an_unverified_account(sent, fiona):
    payment = Payment.objects.get(refund=sent[1])
    statement_import(
        actor=fiona,
        content=statement("S-1", returned=[(payment, "AC04")]),
        file_format="camt053",
    )

    with pytest.raises(InvalidInput):
        refund_correct_payee(
            refund_id=sent[1].pk,
            actor=fiona,
            payee_name="Someone",
            payee_bank="Elsewhere",
            payee_account="9999000011112222",
        )


def test_a_statement_imported_as_a_job_reconciles_as_the_direct_import_does(
    sent, fiona, django_capture_on_commit_callbacks
):
    first, second, third = sent

    with django_capture_on_commit_callbacks(execute=True):
        job = statement_import_start(
            actor=fiona, content=hand_written(sent), file_format="camt053"
        )

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert (job.progress_done, job.progress_total) == (2, 2)
    assert job.upload == b""
    assert (state(first), state(second), state(third)) == (
        State.DISBURSED,
        State.DISBURSEMENT_FAILED,
        State.DISBURSING,
    )
    assert [line.line_key for line in lines_needing_a_person()] == [
        "BK-0004",
        "BK-0005",
    ]
    assert ledger_check()["consistent"]


def test_a_statement_that_does_not_parse_is_refused_before_a_job_is_queued(fiona):
    with pytest.raises(InvalidInput):
        statement_import_start(
            actor=fiona, content=b"<not a statement", file_format="camt053"
        )

    assert not Job.objects.exists()


def test_only_the_finance_desk_may_start_a_statement_import(sent, olivia):
    with pytest.raises(NotAllowed):
        statement_import_start(
            actor=olivia, content=hand_written(sent), file_format="camt053"
        )

    assert not Job.objects.exists()
