import datetime
from decimal import Decimal

import pytest

from finance.forecast import (
    pool_forecast,
    pool_forecast_summary,
    stage_figures_live,
    stage_statistics,
    stage_statistics_refresh,
)
from finance.models import StageStatistic
from finance.selectors import pool_status
from finance.services.top_ups import top_up_propose
from parkportal.core import clock
from refunds.services.lifecycle import refund_reject

pytestmark = pytest.mark.django_db


def test_pool_status_reports_money_and_waiting_cases(pool, cases, mark, fiona, diana):
    from tests.finance.conftest import fund

    fund("100000.00", officer=fiona, director=diana)
    cases.approved([mark], amount="60000.00")
    cases.approved([mark], amount="50000.00")

    status = pool_status()

    assert status["balance"] == Decimal("100000.00")
    assert status["earmarked"] == Decimal("60000.00")
    assert status["available"] == Decimal("40000.00")
    assert status["awaiting_funds_count"] == 1
    assert status["awaiting_funds_amount"] == Decimal("50000.00")
    assert status["currency"] == "CNY"


def test_forecast_without_history_expects_every_pending_case_in_two_weeks(
    funded_pool, cases, fiona
):
    cases.pending_approval(amount="300000.00")
    top_up_propose(
        actor=fiona,
        amount="50000.00",
        expected_on=clock.today() + datetime.timedelta(weeks=4),
    )

    rows = pool_forecast(weeks=6)

    assert len(rows) == 6
    assert sum(row["expected_out"] for row in rows) == Decimal("300000.00")
    assert sum(row["planned_in"] for row in rows) == Decimal("50000.00")
    assert rows[-1]["projected_available"] == Decimal("750000.00")
    week_of_outflow = next(i for i, row in enumerate(rows) if row["expected_out"])
    assert week_of_outflow in (1, 2)


def test_earmarked_cases_lower_the_projected_balance_but_not_available(
    funded_pool, cases, mark
):
    cases.approved([mark], amount="20000.00")

    rows = pool_forecast(weeks=3)

    assert [row["scheduled_out"] for row in rows] == [Decimal("20000.00"), 0, 0]
    assert rows[-1]["projected_balance"] == Decimal("980000.00")
    assert rows[-1]["projected_available"] == Decimal("980000.00")
    assert funded_pool.balance == Decimal("1000000.00")


def test_history_weights_pending_cases_by_their_chance_of_approval(
    funded_pool, cases, mark
):
    cases.approved([mark], amount="10000.00")
    rejected = cases.pending_approval(amount="10000.00")
    refund_reject(refund_id=rejected.pk, actor=mark, comment="Not eligible")
    cases.pending_approval(amount="80000.00")

    statistics = stage_statistics()
    rows = pool_forecast(weeks=12)

    assert statistics["pending_approval"][0] == Decimal("0.5")
    assert sum(row["expected_out"] for row in rows) == Decimal("40000.00")


def test_summary_names_the_first_week_below_watermark_and_zero(pool, cases):
    pool.low_watermark = Decimal("100000.00")
    pool.save()
    cases.pending_approval(amount="90000.00")

    summary = pool_forecast_summary(weeks=4)

    assert summary["first_below_watermark"] == summary["weeks"][0]["week_start"]
    assert summary["first_below_zero"] is not None
    assert summary["first_below_zero"] == next(
        row["week_start"] for row in summary["weeks"] if row["below_zero"]
    )


def _history(cases, mark):
    cases.approved([mark], amount="10000.00")
    cases.approved([mark], amount="20000.00")
    rejected = cases.pending_approval(amount="10000.00")
    refund_reject(refund_id=rejected.pk, actor=mark, comment="Not eligible")
    cases.pending_approval(amount="80000.00")


def test_stored_stage_statistics_equal_a_live_count(funded_pool, cases, mark):
    _history(cases, mark)
    live = stage_statistics()

    written = stage_statistics_refresh()

    stored = {
        row.state: (row.decided, row.approved, row.mean_days)
        for row in StageStatistic.objects.all()
    }
    assert written == len(stored) == 5
    assert stored == stage_figures_live()
    assert stored["pending_approval"][:2] == (3, 2)
    assert stage_statistics() == live
    assert live["pending_approval"][0] == Decimal("2") / Decimal("3")


def test_forecast_reads_stored_statistics_until_the_next_refresh(
    funded_pool, cases, mark
):
    _history(cases, mark)
    stage_statistics_refresh()
    before = stage_statistics()
    rejected = cases.pending_approval(amount="5000.00")
    refund_reject(refund_id=rejected.pk, actor=mark, comment="Not eligible")

    unchanged = stage_statistics()
    stage_statistics_refresh()

    assert unchanged == before
    assert stage_statistics()["pending_approval"][0] == Decimal("0.5")


def test_refresh_task_rebuilds_the_statistics(funded_pool, cases, mark):
    from finance.tasks import refresh_stage_statistics

    _history(cases, mark)

    refresh_stage_statistics.delay()

    assert StageStatistic.objects.get(state="pending_approval").approved == 2
