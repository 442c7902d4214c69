"""The reserve pool under real parallel connections on PostgreSQL: no
overdraft, no double payment, and a ledger that sums to the balance."""

import importlib
import os
import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from finance.models import (
    BankStatement,
    Earmark,
    EarmarkStatus,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentStatus,
)
from finance.selectors import main_pool
from finance.services.batches import batch_authorise, batch_build
from finance.services.pool import pool_get
from finance.services.reconciliation import statement_import
from finance.services.top_ups import top_up_confirm, top_up_propose
from parkportal.accounts.roles import Role
from refunds.models import ApprovalThreshold, RefundRequest, State
from refunds.services.lifecycle import refund_approve
from risk.models import Rule
from tests.factories import UserFactory
from tests.finance.conftest import fund, statement
from tests.finance.invariants import assert_pool_invariants

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(
            ("postgres://", "postgresql://")
        ),
        reason="needs PostgreSQL (DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]

DEFAULT_POLICY = importlib.import_module(
    "refunds.migrations.0003_default_approval_policy"
).DEFAULT_POLICY


@pytest.fixture(autouse=True)
def policy_and_pool():
    """Transactional tests empty the tables between tests; put back what
    the migrations seeded."""
    # The shipped risk rules survive only until the first transactional
    # test flushes them, and ten like requests from one enterprise in a
    # minute are held by the velocity and duplicate rules. These tests are
    # about money: screening is off whichever order they run in.
    Rule.objects.update(enabled=False)
    for level, position, minimum in DEFAULT_POLICY:
        ApprovalThreshold.objects.get_or_create(
            level=level, defaults={"position": position, "min_amount_cny": minimum}
        )
    pool = pool_get()
    pool.low_watermark = Decimal("0.00")
    pool.save()


def run_at_once(calls) -> list:
    """Run each call in its own thread and database connection, released
    together; answer each call's result or exception."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(index, call))
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_simultaneous_final_approvals_never_overdraw_the_pool(
    cases, mark, fiona, diana
):
    fund("250000.00", officer=fiona, director=diana)
    pending = [cases.pending_approval(amount="60000.00") for _ in range(10)]

    results = run_at_once(
        [
            lambda r=refund: refund_approve(refund_id=r.pk, actor=mark)
            for refund in pending
        ]
    )

    assert [type(r).__name__ for r in results] == ["RefundRequest"] * 10
    assert set(RefundRequest.objects.values_list("state", flat=True)) == {
        State.APPROVED
    }
    statuses = list(Earmark.objects.values_list("status", flat=True))
    assert statuses.count(EarmarkStatus.HELD) == 4
    assert statuses.count(EarmarkStatus.AWAITING_FUNDS) == 6
    assert main_pool().available == Decimal("10000.00")
    assert_pool_invariants()


def test_approvals_and_top_ups_racing_earmark_each_case_once(cases, mark, fiona, diana):
    fund("100000.00", officer=fiona, director=diana)
    pending = [cases.pending_approval(amount="50000.00") for _ in range(6)]
    top_ups = [top_up_propose(actor=fiona, amount="50000.00") for _ in range(3)]

    results = run_at_once(
        [
            lambda r=refund: refund_approve(refund_id=r.pk, actor=mark)
            for refund in pending
        ]
        + [lambda t=t: top_up_confirm(top_up_id=t.pk, actor=diana) for t in top_ups]
    )

    assert not [r for r in results if isinstance(r, Exception)]
    assert Earmark.objects.filter(status=EarmarkStatus.HELD).count() == 5
    assert LedgerEntry.objects.filter(kind=EntryKind.EARMARK).count() == 5
    assert main_pool().available == Decimal("0.00")
    assert_pool_invariants()


def test_one_batch_authorised_by_several_directors_at_once_pays_once(
    funded_pool_pg, cases, mark, fiona
):
    refunds = [cases.approved([mark], amount="60000.00") for _ in range(3)]
    batch = batch_build(actor=fiona, refund_ids=[r.pk for r in refunds])
    directors = [UserFactory(role=Role.FINANCE_DIRECTOR) for _ in range(4)]

    results = run_at_once(
        [lambda d=d: batch_authorise(batch_id=batch.pk, actor=d) for d in directors]
    )

    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 3
    assert {r.code for r in refused} == {"batch_not_draft"}
    assert LedgerEntry.objects.filter(kind=EntryKind.DISBURSEMENT).count() == 3
    assert Payment.objects.filter(status=PaymentStatus.SENT).count() == 3
    assert main_pool().balance == Decimal("820000.00")
    assert_pool_invariants()


def test_separate_batches_and_approvals_at_once_neither_deadlock_nor_overdraw(
    cases, mark, fiona, diana
):
    fund("300000.00", officer=fiona, director=diana)
    approved = [cases.approved([mark], amount="50000.00") for _ in range(4)]
    batches = [
        batch_build(actor=fiona, refund_ids=[r.pk for r in approved[:2]]),
        batch_build(actor=fiona, refund_ids=[r.pk for r in approved[2:]]),
    ]
    pending = [cases.pending_approval(amount="40000.00") for _ in range(4)]
    other_director = UserFactory(role=Role.FINANCE_DIRECTOR)

    results = run_at_once(
        [
            lambda: batch_authorise(batch_id=batches[0].pk, actor=diana),
            lambda: batch_authorise(batch_id=batches[1].pk, actor=other_director),
        ]
        + [
            lambda r=refund: refund_approve(refund_id=r.pk, actor=mark)
            for refund in pending
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)]
    assert RefundRequest.objects.filter(state=State.DISBURSING).count() == 4
    # 300 000 less 200 000 paid leaves room for two of the four approvals.
    assert Earmark.objects.filter(status=EarmarkStatus.HELD).count() == 2
    assert main_pool().available == Decimal("20000.00")
    assert_pool_invariants()


def test_the_same_statement_imported_at_once_settles_each_payment_once(
    funded_pool_pg, cases, mark, fiona, diana, pay_pg
):
    refunds = [cases.approved([mark], amount="30000.00") for _ in range(2)]
    pay_pg(*refunds)
    first, second = Payment.objects.order_by("id")
    content = statement("S-RACE", paid=[first], returned=[(second, "AC04 closed")])

    results = run_at_once(
        [
            lambda who=who: statement_import(
                actor=who, content=content, file_format="camt053"
            )
            for who in (fiona, diana, fiona)
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(created for _statement, created in results) == [False, False, True]
    assert BankStatement.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1
    assert RefundRequest.objects.filter(state=State.DISBURSED).count() == 1
    assert_pool_invariants()


def test_postgresql_refuses_to_change_or_delete_a_ledger_entry(funded_pool_pg):
    entry = LedgerEntry.objects.get()

    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(memo="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()

    assert LedgerEntry.objects.get().memo == entry.memo


@pytest.fixture
def funded_pool_pg(fiona, diana):
    fund("1000000.00", officer=fiona, director=diana)
    return main_pool()


@pytest.fixture
def pay_pg(fiona, diana):
    def pay(*refunds):
        batch = batch_build(actor=fiona, refund_ids=[r.pk for r in refunds])
        return batch_authorise(batch_id=batch.pk, actor=diana)

    return pay


def test_one_top_up_confirmed_by_two_directors_at_once_counts_once(fiona, diana):
    top_up = top_up_propose(actor=fiona, amount="80000.00")
    other_director = UserFactory(role=Role.FINANCE_DIRECTOR)

    results = run_at_once(
        [
            lambda: top_up_confirm(top_up_id=top_up.pk, actor=diana),
            lambda: top_up_confirm(top_up_id=top_up.pk, actor=other_director),
        ]
    )

    refused = [r for r in results if isinstance(r, Exception)]
    assert [r.code for r in refused] == ["top_up_decided"]
    assert LedgerEntry.objects.filter(kind=EntryKind.TOP_UP).count() == 1
    assert main_pool().balance == Decimal("80000.00")
    assert_pool_invariants()
