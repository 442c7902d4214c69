import datetime
from decimal import Decimal

import pytest

from tests.factories import ContractFactory
from tests.risk.conftest import judge
from tests.risk.factories import PastRefundFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_amount_threshold_hits_above_the_cny_limit(cases):
    refund = cases.under_review(amount="2500000.00")

    verdict = judge("amount_above_threshold", refund)

    assert verdict.hit
    assert verdict.params["limit"] == "2,000,000.00"


def test_amount_threshold_passes_below_the_limit(cases):
    refund = cases.under_review(amount="1999999.99")

    assert not judge("amount_above_threshold", refund).hit


def test_amount_threshold_compares_foreign_currency_in_cny(usd_cases):
    refund = usd_cases.under_review(amount="300000.00")  # 2 130 000 CNY

    assert refund.amount_cny == Decimal("2130000.00")
    assert judge("amount_above_threshold", refund).hit
    assert not judge(
        "amount_above_threshold",
        refund,
        thresholds_cny={"default": "2000000", "USD": "2500000"},
    ).hit


def test_fx_exposure_hits_a_large_foreign_currency_refund(usd_cases):
    refund = usd_cases.under_review(amount="50000.00")  # 355 000 CNY

    verdict = judge("fx_exposure", refund)

    assert verdict.hit
    assert verdict.params["amount_cny"] == "355,000.00"


def test_fx_exposure_ignores_cny_and_small_foreign_amounts(cases, usd_cases):
    assert not judge("fx_exposure", cases.under_review(amount="900000.00")).hit
    assert not judge("fx_exposure", usd_cases.under_review(amount="40000.00")).hit


def test_contract_rule_counts_paid_and_open_cases(cases, acme_contract):
    PastRefundFactory(contract=acme_contract, amount=Decimal("3000000.00"))
    PastRefundFactory(
        contract=acme_contract, amount=Decimal("1500000.00"), state="under_review"
    )
    refund = cases.under_review(amount="600000.00")

    verdict = judge("above_contract_remaining", refund)

    assert verdict.hit
    assert verdict.params["remaining"] == "500,000.00"


def test_contract_rule_passes_within_what_is_left(cases, acme_contract):
    PastRefundFactory(contract=acme_contract, amount=Decimal("3000000.00"))
    PastRefundFactory(
        contract=acme_contract, amount=Decimal("1000000.00"), state="withdrawn"
    )

    assert not judge(
        "above_contract_remaining", cases.under_review(amount="2000000")
    ).hit


def test_velocity_hits_the_fifth_request_in_thirty_days(cases, acme_contract):
    now = datetime.datetime.now(datetime.UTC)
    for days in (2, 5, 9, 20):
        PastRefundFactory(
            contract=acme_contract,
            amount=Decimal(1000 + days),
            submitted_at=now - days * DAY,
        )
    refund = cases.under_review(amount="1234.00")

    verdict = judge("velocity", refund)

    assert verdict.hit
    assert verdict.params["count"] == 5


def test_velocity_ignores_requests_older_than_the_window(cases, acme_contract):
    now = datetime.datetime.now(datetime.UTC)
    for days in (2, 5, 31, 40):
        PastRefundFactory(
            contract=acme_contract, amount=Decimal(days), submitted_at=now - days * DAY
        )

    assert not judge("velocity", cases.under_review(amount="1234.00")).hit


def test_velocity_hits_a_large_total(cases, acme_contract):
    now = datetime.datetime.now(datetime.UTC)
    PastRefundFactory(
        contract=acme_contract, amount=Decimal("2900000"), submitted_at=now - DAY
    )

    verdict = judge("velocity", cases.under_review(amount="200000.00"))

    assert verdict.hit
    assert verdict.params["total"] == "3,100,000.00"


def test_duplicate_hits_same_contract_and_amount(cases, acme_contract):
    now = datetime.datetime.now(datetime.UTC)
    twin = PastRefundFactory(
        contract=acme_contract, amount=Decimal("50000.00"), submitted_at=now - 10 * DAY
    )

    verdict = judge("likely_duplicate", cases.under_review())

    assert verdict.hit
    assert verdict.params["reference"] == twin.reference


def test_duplicate_passes_other_amount_contract_or_an_old_twin(
    cases, acme, acme_contract
):
    now = datetime.datetime.now(datetime.UTC)
    PastRefundFactory(contract=acme_contract, amount=Decimal("50000.01"))
    PastRefundFactory(
        contract=ContractFactory(enterprise=acme),
        amount=Decimal("50000.00"),
        submitted_at=now - DAY,
    )
    PastRefundFactory(
        contract=acme_contract, amount=Decimal("50000.00"), submitted_at=now - 90 * DAY
    )

    assert not judge("likely_duplicate", cases.under_review()).hit


def _history(contract, amounts):
    start = datetime.datetime.now(datetime.UTC) - 400 * DAY
    for number, amount in enumerate(amounts):
        PastRefundFactory(
            contract=contract,
            amount=Decimal(amount),
            submitted_at=start + number * 30 * DAY,
        )


def test_unusual_amount_hits_far_above_the_enterprise_median(cases, acme_contract):
    _history(
        acme_contract,
        ["40000", "45000", "50000", "52000", "48000", "55000", "47000", "51000"],
    )

    verdict = judge("unusual_amount", cases.under_review(amount="400000.00"))

    assert verdict.hit
    assert float(verdict.params["z"]) > 4.0


def test_unusual_amount_passes_an_amount_like_the_history(cases, acme_contract):
    _history(
        acme_contract,
        ["40000", "45000", "50000", "52000", "48000", "55000", "47000", "51000"],
    )

    assert not judge("unusual_amount", cases.under_review(amount="60000.00")).hit


def test_unusual_amount_needs_a_minimum_history(cases, acme_contract):
    _history(acme_contract, ["40000", "45000", "50000"])

    verdict = judge("unusual_amount", cases.under_review(amount="4000000.00"))

    assert not verdict.hit
    assert verdict.params == {"count": 3, "minimum": 8}


def test_unusual_amount_falls_back_to_the_reason_history(cases, globex):
    _history(ContractFactory(enterprise=globex), ["30000", "35000", "40000"] * 4)

    verdict = judge(
        "unusual_amount", cases.under_review(amount="900000.00"), min_reason_history=10
    )

    assert verdict.hit
    assert "refund reason" in verdict.message
