import datetime

import pytest

from parkportal.core import clock
from refunds.services.lifecycle import refund_submit
from risk.selectors import control_matrix, flags_by_rule, top_flags
from risk.services.holds import hold_clear
from tests.factories import BankAccountFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def screened_cases(cases, alice, globex, screened):
    BankAccountFactory(enterprise=globex, account_number="6222999900001111")
    refunds = [
        cases.draft(amount="8000.00", payee_account="6222999900001111"),
        cases.draft(amount="2500000.00"),
        cases.draft(amount="9000.00"),
    ]
    for refund in refunds:
        screened(refund_submit, refund_id=refund.pk, actor=alice)
    return refunds


def test_top_flags_lists_open_cases_by_score_with_reasons(screened_cases):
    flags = top_flags(limit=10)

    assert [flag["reference"] for flag in flags] == [
        screened_cases[0].reference,
        screened_cases[1].reference,
    ]
    assert flags[0]["score"] == 120
    assert flags[0]["outcome"] == "hold"
    assert "**** 1111" in flags[0]["reasons"][0]
    assert "2,500,000.00" in flags[1]["reasons"][0]


def test_top_flags_honours_the_limit(screened_cases):
    assert len(top_flags(limit=1)) == 1


def test_flags_by_rule_counts_hits_and_holds_in_the_period(screened_cases):
    rows = flags_by_rule(clock.now() - HOUR, clock.now() + HOUR)

    by_rule = {row["rule"]: row for row in rows}
    assert by_rule["payee-shared"] == {
        "rule": "payee-shared",
        "name": by_rule["payee-shared"]["name"],
        "hits": 1,
        "holds": 1,
    }
    assert by_rule["amount-above-threshold"]["hits"] == 1
    assert by_rule["amount-above-threshold"]["holds"] == 0
    assert by_rule["velocity"]["hits"] == 0


def test_flags_by_rule_leaves_out_other_periods(screened_cases):
    rows = flags_by_rule(clock.now() + HOUR, clock.now() + 2 * HOUR)

    assert all(row["hits"] == 0 for row in rows)


def test_the_matrix_shows_each_risk_with_controls_and_false_alarms(
    screened_cases, rita
):
    from risk.models import Hold

    hold_clear(hold_id=Hold.objects.get().pk, actor=rita, comment="Known group account")

    matrix = {row["risk"]: row for row in control_matrix()}

    assert list(matrix) == ["fraud", "operational", "compliance", "liquidity", "fx"]
    fraud = matrix["fraud"]
    payee = next(c for c in fraud["controls"] if c["rule"] == "payee-shared")
    assert payee["figures"] == {"hits": 1, "holds": 1, "false_alarms": 1}
    assert payee["owner_role"] == "risk_officer"
    assert {c["kind"] for c in fraud["controls"]} >= {
        "rule",
        "separation_of_duties",
        "four_eyes",
    }
    assert fraud["figures"]["holds"] == 1
    assert matrix["liquidity"]["figures"]["hits"] == 1
