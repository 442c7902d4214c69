"""Finance fixtures: a funded pool, a rate table, a verified bank account
and a stand-in for the bank's statement."""

import datetime
from decimal import Decimal

import pytest

from finance import bankfiles
from finance.services.batches import batch_authorise, batch_build
from finance.services.pool import pool_get
from finance.services.rates import fx_rate_set
from finance.services.top_ups import top_up_confirm, top_up_propose
from parkportal.core import clock
from tests.conftest import CaseBuilder
from tests.factories import BankAccountFactory, ContractFactory


def fund(amount, *, officer, director):
    top_up = top_up_propose(actor=officer, amount=Decimal(amount))
    return top_up_confirm(top_up_id=top_up.pk, actor=director)


@pytest.fixture
def pool(db):
    """The reserve pool with a watermark low enough to stay quiet."""
    pool = pool_get()
    pool.low_watermark = Decimal("0.00")
    pool.save()
    return pool


@pytest.fixture
def funded_pool(pool, fiona, diana):
    """One million CNY, proposed by Fiona and confirmed by Diana."""
    fund("1000000.00", officer=fiona, director=diana)
    pool.refresh_from_db()
    return pool


@pytest.fixture
def rates(fiona):
    """USD at 7.20 from a month ago."""
    day = clock.today() - datetime.timedelta(days=30)
    return fx_rate_set(actor=fiona, currency="USD", valid_on=day, rate="7.20")


@pytest.fixture
def usd_cases(rates, alice, acme, olivia):
    contract = ContractFactory(enterprise=acme, currency="USD")
    return CaseBuilder(alice, contract, olivia)


@pytest.fixture
def acme_account(acme):
    """A second, verified account of Acme for corrected payments."""
    return BankAccountFactory(enterprise=acme, account_number="6222999988887777")


@pytest.fixture
def pay(fiona, diana):
    """Build a batch as Fiona and authorise it as Diana."""

    def pay(*refunds):
        batch = batch_build(actor=fiona, refund_ids=[r.pk for r in refunds])
        return batch_authorise(batch_id=batch.pk, actor=diana)

    return pay


def statement(statement_id, *, paid=(), returned=(), extra=()):
    """A camt.053 statement booking `paid` payments and returning
    `returned` ones as (payment, reason)."""
    day = clock.today()
    entries = [
        bankfiles.StatementEntry(
            f"{statement_id}-{p.end_to_end_id}",
            p.end_to_end_id,
            p.amount,
            p.currency,
            day,
            False,
        )
        for p in paid
    ]
    entries += [
        bankfiles.StatementEntry(
            f"{statement_id}-R-{p.end_to_end_id}",
            p.end_to_end_id,
            p.amount,
            p.currency,
            day,
            True,
            reason,
        )
        for p, reason in returned
    ]
    return bankfiles.camt053(
        statement_id=statement_id,
        created_at=clock.now(),
        account="CN0000000000000000",
        entries=[*entries, *extra],
    )
