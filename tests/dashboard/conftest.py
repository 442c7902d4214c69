"""A hand-built March with known answers for the dashboard's figures."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from parkportal.core import clock
from refunds.services.lifecycle import (
    refund_approve,
    refund_forward,
    refund_reject,
    refund_transition,
)
from tests.payments import bank_statement, fund_pool, send_payment

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 9, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def pay(refund, *, officer, director, sent_at, booked_at) -> None:
    """Pay a case the way finance does: a batch, then the bank's statement."""
    with clock.travel(sent_at):
        send_payment(refund, officer=officer, director=director)
    with clock.travel(booked_at):
        bank_statement(refund, officer=officer)


@pytest.fixture
def march(cases, alice, olivia, mark, fiona, diana):
    """Three cases: A paid after five days, B rejected, C withdrawn."""
    with clock.travel(at(1)):
        fund_pool("1000000.00", officer=fiona, director=diana)
    with clock.travel(at(2)):
        paid = cases.under_review(amount="40000.00")
    with clock.travel(at(4)):
        refund_forward(refund_id=paid.pk, actor=olivia)
    with clock.travel(at(5)):
        refund_approve(refund_id=paid.pk, actor=mark)
    pay(paid, officer=fiona, director=diana, sent_at=at(6), booked_at=at(7))

    with clock.travel(at(10)):
        rejected = cases.under_review(amount="20000.00", reason="overpayment")
    with clock.travel(at(11)):
        refund_forward(refund_id=rejected.pk, actor=olivia)
    with clock.travel(at(13)):
        refund_reject(refund_id=rejected.pk, actor=mark, comment="Not eligible")

    with clock.travel(at(20)):
        withdrawn = cases.under_review(amount="10000.00")
    with clock.travel(at(21)):
        refund_transition(refund_id=withdrawn.pk, name="withdraw", actor=alice)
    return paid, rejected, withdrawn
