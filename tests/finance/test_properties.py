"""Random sequences of what finance and the bank do, with the pool's
invariants checked after every step."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from finance.models import (
    Earmark,
    EarmarkStatus,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentStatus,
)
from finance.selectors import main_pool
from finance.services.batches import batch_authorise, batch_build
from finance.services.rates import fx_rate_set
from finance.services.reconciliation import statement_import
from finance.services.top_ups import top_up_reverse
from parkportal.core import clock
from parkportal.core.errors import Conflict
from refunds.models import RefundRequest, State
from tests.finance.conftest import fund, statement
from tests.finance.invariants import assert_pool_invariants

pytestmark = pytest.mark.django_db

thousands = st.integers(min_value=1, max_value=90).map(lambda n: Decimal(n * 1000))


class PoolMachine(RuleBasedStateMachine):
    people: dict = {}

    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint rolled back at the end, so that
        # examples do not see each other's money.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.statements = 0

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _payable(self, state):
        held = Earmark.objects.filter(status=EarmarkStatus.HELD).values("refund")
        live = Payment.objects.filter(
            status__in=[PaymentStatus.PLANNED, PaymentStatus.SENT, PaymentStatus.PAID]
        ).values("refund")
        return list(
            RefundRequest.objects.filter(state=state, pk__in=held)
            .exclude(pk__in=live)
            .order_by("id")
        )

    def _sent(self):
        return list(Payment.objects.filter(status=PaymentStatus.SENT).order_by("id"))

    def _import(self, **lines):
        self.statements += 1
        content = statement(f"S-{self.statements}", **lines)
        statement_import(
            actor=self.people["fiona"], content=content, file_format="camt053"
        )

    @initialize(
        funds=st.integers(min_value=0, max_value=300).map(lambda n: Decimal(n * 1000)),
        amounts=st.lists(thousands, min_size=1, max_size=3),
    )
    def open_the_desk(self, funds, amounts):
        # Start from a pool with money and cases waiting for it, so that
        # short runs already reach batches, returns and retries.
        if funds:
            self.top_up(funds)
        for amount in amounts:
            self.approve(amount)

    # The preconditions on top-ups, approvals and rates keep those from
    # filling the sequence, so that runs reach batches, returns, repeated
    # bank lines and retries rather than piling up approved cases.
    @precondition(lambda self: main_pool().available < Decimal("300000"))
    @rule(
        amount=st.integers(min_value=1, max_value=200).map(lambda n: Decimal(n * 1000))
    )
    def top_up(self, amount):
        fund(amount, officer=self.people["fiona"], director=self.people["diana"])

    def _approved_count(self):
        return RefundRequest.objects.filter(state=State.APPROVED).count()

    def _dollars_unpaid(self):
        return RefundRequest.objects.filter(
            currency="USD", state__in=[State.APPROVED, State.DISBURSEMENT_FAILED]
        ).exists()

    @precondition(lambda self: self._approved_count() < 3)
    @rule(amount=thousands)
    def approve(self, amount):
        refund = self.people["cases"].approved(
            [self.people["mark"]], amount=str(amount)
        )
        assert refund.state == State.APPROVED

    @precondition(lambda self: self._approved_count() < 3)
    @rule(
        amount=st.integers(min_value=1, max_value=12).map(lambda n: Decimal(n * 1000))
    )
    def approve_in_dollars(self, amount):
        refund = self.people["usd_cases"].approved(
            [self.people["mark"]], amount=str(amount)
        )
        assert refund.state == State.APPROVED

    @precondition(lambda self: self._dollars_unpaid())
    @rule(
        rate=st.integers(min_value=680, max_value=760).map(lambda n: Decimal(n) / 100)
    )
    def dollar_rate_moves(self, rate):
        fx_rate_set(
            actor=self.people["fiona"],
            currency="USD",
            valid_on=clock.today(),
            rate=rate,
        )

    @precondition(lambda self: self._payable(State.APPROVED))
    @rule(data=st.data())
    def authorise_batch(self, data):
        payable = self._payable(State.APPROVED)
        chosen = data.draw(st.lists(st.sampled_from(payable), min_size=1, unique=True))
        batch = batch_build(
            actor=self.people["fiona"], refund_ids=[r.pk for r in chosen]
        )
        try:
            batch_authorise(batch_id=batch.pk, actor=self.people["diana"])
        except Conflict as refused:
            assert refused.code == "pool_insufficient"

    @precondition(lambda self: self._sent())
    @rule(data=st.data(), returned=st.booleans())
    def bank_settles(self, data, returned):
        sent = self._sent()
        payment = data.draw(st.sampled_from(sent))
        if returned:
            self._import(returned=[(payment, "AC04 Account closed")])
        else:
            self._import(paid=[payment])

    def _settled(self):
        return list(
            Payment.objects.filter(
                status__in=[PaymentStatus.PAID, PaymentStatus.FAILED]
            )
        )

    @precondition(lambda self: self._settled())
    @rule(data=st.data())
    def bank_repeats_a_settled_line(self, data):
        settled = self._settled()
        payment = data.draw(st.sampled_from(settled))
        entries = LedgerEntry.objects.count()
        self._import(returned=[(payment, "AC04 again")])
        assert LedgerEntry.objects.count() == entries

    @precondition(lambda self: self._payable(State.DISBURSEMENT_FAILED))
    @rule(data=st.data())
    def retry_failed(self, data):
        failed = self._payable(State.DISBURSEMENT_FAILED)
        refund = data.draw(st.sampled_from(failed))
        batch = batch_build(actor=self.people["fiona"], refund_ids=[refund.pk])
        batch_authorise(batch_id=batch.pk, actor=self.people["diana"])
        assert RefundRequest.objects.get(pk=refund.pk).state == State.DISBURSING

    def _reversible(self):
        return list(
            LedgerEntry.objects.filter(kind=EntryKind.TOP_UP, reversed_by__isnull=True)
        )

    @precondition(lambda self: self._reversible())
    @rule(data=st.data())
    def reverse_top_up(self, data):
        entries = self._reversible()
        entry = data.draw(st.sampled_from(entries))
        covered = main_pool().available >= entry.balance_change
        try:
            top_up_reverse(
                entry_id=entry.pk, actor=self.people["diana"], reason="Mistake"
            )
        except Conflict as refused:
            assert not covered and refused.code == "pool_insufficient"
        else:
            assert covered

    @invariant()
    def ledger_holds(self):
        assert_pool_invariants()


def test_random_sequences_keep_the_ledger_invariants(
    cases, usd_cases, mark, fiona, diana, pool
):
    PoolMachine.people = {
        "cases": cases,
        "usd_cases": usd_cases,
        "mark": mark,
        "fiona": fiona,
        "diana": diana,
    }

    run_state_machine_as_test(
        PoolMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
