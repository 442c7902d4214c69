"""Rows for the query-budget tests, built with the real services: each
builder takes the park and a count and adds that many rows of what one
endpoint lists (cases, documents, payments, holds, ...)."""

import datetime
import itertools
from decimal import Decimal

from finance import bankfiles
from finance.models import Earmark, LedgerEntry, Payment
from finance.services.batches import batch_authorise, batch_build
from finance.services.rates import fx_rate_set
from finance.services.reconciliation import statement_import
from finance.services.top_ups import top_up_propose
from operations.services.digest import digest_prepare
from operations.services.feedback import complaint_file, rating_submit
from parkportal.accounts.roles import Role
from parkportal.core import clock
from parkportal.core.models import OutboxMessage, OutboxStatus
from refunds.models import Document, RefundRequest
from refunds.services.audit import audit_chain_verify, audit_record
from refunds.services.cases import refund_create
from refunds.services.delegations import delegation_create
from refunds.services.documents import document_upload
from refunds.services.lifecycle import (
    refund_approve,
    refund_forward,
    refund_send_back,
    refund_submit,
    refund_transition,
)
from refunds.services.messages import message_post
from risk.models import Assessment, Hold, RuleVersion, ThresholdOutcome
from risk.services.backtests import backtest_run
from risk.services.declarations import invoice_declare
from risk.services.rules import rule_create, rule_new_version, threshold_set
from tests.conftest import CaseBuilder
from tests.factories import (
    BankAccountFactory,
    ContractFactory,
    EnterpriseFactory,
    UserFactory,
    pdf,
)
from tests.payments import fund_pool

_serial = itertools.count(1)


class Park:
    """The named actors of tests/conftest.py, a case builder for Acme, and
    the objects a builder made last (what a detail route reads)."""

    def __init__(self, request):
        self._request = request
        self.cases = request.getfixturevalue("cases")
        self.latest = {}

    def __getattr__(self, name):
        return self._request.getfixturevalue(name)

    def open_case(self):
        """One case under review, owned by olivia, made once."""
        if "open_case" not in self.latest:
            self.latest["open_case"] = self.cases.under_review()
        return self.latest["open_case"]

    def bare_draft(self):
        """A draft without documents, made once."""
        if "bare_draft" not in self.latest:
            contract = self.cases.contract
            self.latest["bare_draft"] = refund_create(
                applicant=self.alice,
                contract=contract,
                reason="deposit",
                description="Deposit returned at move-out",
                amount=Decimal("50000.00"),
                currency=contract.currency,
                payee_name=self.acme.name,
                payee_bank="Industrial Bank Suzhou",
                payee_account="6222000011112222",
            )
        return self.latest["bare_draft"]

    def last_ledger_entry(self):
        return LedgerEntry.objects.latest("id")

    def last_earmark(self):
        return Earmark.objects.latest("id")

    def last_assessment(self):
        return Assessment.objects.latest("id")

    def last_hold(self):
        return Hold.objects.latest("id")


# Cases.


def cases_under_review(park, count):
    for _ in range(count):
        park.latest["case"] = park.cases.under_review()


def cases_of_many_enterprises(park, count):
    """Cases under review, each from an enterprise of its own, so that
    anything read per enterprise shows."""
    for _ in range(count):
        enterprise = EnterpriseFactory()
        BankAccountFactory(enterprise=enterprise, account_number="6222000011112222")
        applicant = UserFactory(enterprise=enterprise, role=Role.ENTERPRISE)
        builder = CaseBuilder(
            applicant, ContractFactory(enterprise=enterprise), park.olivia
        )
        park.latest["case"] = builder.under_review()


def held_cases(park, count):
    """Cases screened on submission and held: the payee account is
    Globex's, not Acme's."""
    if "held_account" not in park.latest:
        park.latest["held_account"] = BankAccountFactory(
            enterprise=park.globex, account_number="6222999900001111"
        )
    for _ in range(count):
        refund = park.cases.draft(payee_account="6222999900001111")
        with park.django_capture_on_commit_callbacks(execute=True):
            refund_submit(refund_id=refund.pk, actor=park.alice)
        park.latest["case"] = refund


def approved_cases(park, count):
    """Approved by the operations manager alone (below 100 000 CNY), so
    each holds an earmark."""
    approved = []
    for _ in range(count):
        refund = park.cases.pending_approval(amount="20000.00")
        approved.append(refund_approve(refund_id=refund.pk, actor=park.mark))
    park.latest["case"] = approved[-1]
    return approved


def funded_approved_cases(park, count):
    fund_pool(str(20000 * count), officer=park.fiona, director=park.diana)
    return approved_cases(park, count)


# The case's own lists.


def documents(park, count):
    refund = park.bare_draft()
    for _ in range(count):
        document_upload(
            refund_id=refund.pk,
            actor=park.alice,
            kind="invoice",
            uploaded_file=pdf("invoice.pdf"),
        )
    park.latest["document"] = Document.objects.filter(refund=refund).latest("id")


def messages(park, count):
    refund = park.bare_draft()
    for number in range(count):
        author = park.olivia if number % 2 else park.alice
        message_post(refund_id=refund.pk, author=author, body=f"Message {number}")


def timeline_entries(park, count):
    """Requests for information and answers: one timeline entry each."""
    refund = park.open_case()
    for number in range(count):
        if number % 2 == 0:
            name, actor = "request_info", park.olivia
        else:
            name, actor = "respond", park.alice
        refund_transition(
            refund_id=refund.pk, name=name, actor=actor, comment=f"Round {number}"
        )
    if count % 2:
        refund_transition(
            refund_id=refund.pk, name="respond", actor=park.alice, comment="Done"
        )


def approval_steps(park, count):
    """Rounds of one level, each sent back by the manager: one step per
    round, decided by him."""
    refund = park.open_case()
    for number in range(count):
        refund_forward(refund_id=refund.pk, actor=park.olivia)
        refund_send_back(
            refund_id=refund.pk, actor=park.mark, comment=f"Round {number}"
        )


def audit_events(park, count):
    refund = park.bare_draft()
    for number in range(count):
        audit_record(
            actor=park.olivia,
            action="refunds.note",
            obj=refund,
            refund=refund,
            after={"note": number},
        )
    audit_chain_verify()
    park.latest["audit_event"] = refund.audit_events.latest("id")


# Finance.


def top_ups(park, count):
    for number in range(count):
        park.latest["top_up"] = top_up_propose(
            actor=park.fiona,
            amount=Decimal("10000.00"),
            expected_on=clock.today() + datetime.timedelta(days=7 * (number % 10)),
        )


def ledger_entries(park, count):
    for _ in range(count):
        fund_pool("10000.00", officer=park.fiona, director=park.diana)


def fx_rates(park, count):
    for number in range(count):
        fx_rate_set(
            actor=park.fiona,
            currency="USD",
            valid_on=clock.today() - datetime.timedelta(days=next(_serial)),
            rate=f"7.{10 + number % 80:02d}",
        )


def _statement(park, payments):
    entries = [
        bankfiles.StatementEntry(
            line_key=f"{payment.end_to_end_id}-{payment.pk}",
            end_to_end_id=payment.end_to_end_id,
            amount=payment.amount,
            currency=payment.currency,
            booking_date=clock.today(),
            returned=False,
        )
        for payment in payments
    ]
    content = bankfiles.camt053(
        statement_id=f"BUDGET-{next(_serial)}",
        created_at=clock.now(),
        account="TEST",
        entries=entries,
    )
    statement, _created = statement_import(
        actor=park.fiona, content=content, file_format="camt053"
    )
    park.latest["statement"] = statement
    park.latest["line"] = statement.lines.latest("id")


def _pay(park, refunds):
    batch = batch_build(actor=park.fiona, refund_ids=[r.pk for r in refunds])
    batch = batch_authorise(batch_id=batch.pk, actor=park.diana)
    park.latest["batch"] = batch
    payments = list(Payment.objects.filter(batch=batch))
    park.latest["payment"] = payments[-1]
    _statement(park, payments)
    return [RefundRequest.objects.get(pk=refund.pk) for refund in refunds]


def paid_one_by_one(park, count):
    """Each case paid in a batch and booked on a statement of its own, then
    closed and rated by the enterprise."""
    for refund in funded_approved_cases(park, count):
        [paid] = _pay(park, [refund])
        refund_transition(refund_id=paid.pk, name="close", actor=park.olivia)
        rating_submit(refund_id=paid.pk, actor=park.alice, score=4, comment="Quick")


def paid_together(park, count):
    """`count` cases paid in one batch, booked on one statement."""
    return _pay(park, funded_approved_cases(park, count))


def paid_in_dollars(park, count):
    if "usd_cases" not in park.latest:
        fx_rate_set(
            actor=park.fiona,
            currency="USD",
            valid_on=clock.today() - datetime.timedelta(days=30),
            rate="7.20",
        )
        contract = ContractFactory(enterprise=park.acme, currency="USD")
        park.latest["usd_cases"] = CaseBuilder(park.alice, contract, park.olivia)
    builder = park.latest["usd_cases"]
    fund_pool(str(200000 * count), officer=park.fiona, director=park.diana)
    refunds = []
    for _ in range(count):
        refund = builder.pending_approval(amount="2000.00")
        refunds.append(refund_approve(refund_id=refund.pk, actor=park.mark))
    fx_rate_set(actor=park.fiona, currency="USD", valid_on=clock.today(), rate="7.30")
    _pay(park, refunds)


# Operations.


def complaints(park, count):
    refund = park.open_case()
    for number in range(count):
        complaint_file(refund_id=refund.pk, actor=park.alice, body=f"Slow {number}")


def digests(park, count):
    """Joint-meeting agendas of past weeks; each notifies the managers."""
    start = park.latest.get("digest_week", 0)
    for week in range(start, start + count):
        digest = digest_prepare(now=clock.now() - datetime.timedelta(weeks=week))
        park.latest["digest"] = digest
    park.latest["digest_week"] = start + count


def delegations(park, count):
    """The manager's absences, one week each, one after another."""
    start = park.latest.get("delegation_week", 1)
    for week in range(start, start + count):
        starts_at = clock.now() + datetime.timedelta(weeks=week)
        delegation_create(
            delegator=park.mark,
            delegate=park.olivia,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(days=5),
            actor=park.mark,
            reason="Leave",
        )
    park.latest["delegation_week"] = start + count


# Risk.


def rules(park, count):
    for _ in range(count):
        number = next(_serial)
        park.latest["rule"] = rule_create(
            actor=park.rita,
            code=f"fx-budget-{number}",
            rule_type_name="fx_exposure",
            name=f"FX exposure {number}",
            parameters={"threshold_cny": str(100000 + number)},
        )


def rule_versions(park, count):
    if "rule" not in park.latest:
        rules(park, 1)
    rule = park.latest["rule"]
    for number in range(count):
        rule_new_version(
            rule_id=rule.pk,
            actor=park.rita,
            parameters={"threshold_cny": str(200000 + number)},
            note=f"Version {number}",
        )
    park.latest["version"] = RuleVersion.objects.filter(rule=rule).latest("id")


def thresholds(park, count):
    """The table holds one row per outcome from the start and cannot grow
    past them; this changes `count` of them."""
    for outcome in list(ThresholdOutcome.values)[:count]:
        threshold_set(outcome=outcome, actor=park.rita, min_score=90, active=True)


def _backtest(park):
    """Replay the shared-payee rule over the last day's assessments."""
    version = RuleVersion.objects.get(rule__code="payee-shared", status="live")
    park.latest["backtest"] = backtest_run(
        version_id=version.pk,
        actor=park.rita,
        start=clock.now() - datetime.timedelta(days=1),
        end=clock.now() + datetime.timedelta(minutes=1),
    )


def backtests(park, count):
    if "case" not in park.latest:
        held_cases(park, 1)
    for _ in range(count):
        _backtest(park)


def backtested_cases(park, count):
    """`count` more held cases, and a backtest over all of them."""
    held_cases(park, count)
    _backtest(park)


def invoice_totals(park, count):
    document = park.bare_draft()
    invoice = document_upload(
        refund_id=document.pk,
        actor=park.alice,
        kind="invoice",
        uploaded_file=pdf("invoice.pdf"),
    )
    for number in range(count):
        invoice_declare(
            document_id=invoice.pk,
            actor=park.rita,
            declared_total=Decimal("50000.00") + number,
        )


# Accounts and the core.


def enterprises(park, count):
    for _ in range(count):
        enterprise = EnterpriseFactory()
        ContractFactory(enterprise=enterprise)
        BankAccountFactory(enterprise=enterprise)
        park.latest["enterprise"] = enterprise


def contracts_of_acme(park, count):
    for _ in range(count):
        ContractFactory(enterprise=park.acme)
        BankAccountFactory(enterprise=park.acme)
    park.latest["enterprise"] = park.acme


def dead_letters(park, count):
    for number in range(count):
        OutboxMessage.objects.create(
            task="operations.tasks.send_notification",
            kwargs={"notification_id": number},
            status=OutboxStatus.DEAD,
            attempts=10,
            last_error="OperationalError: broker unreachable",
        )
