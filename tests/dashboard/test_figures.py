"""The committee's figures on a hand-built March with known answers."""

import importlib
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db.models import F

from parkportal.core import clock
from parkportal.dashboard import selectors
from parkportal.dashboard.models import (
    DailyExit,
    DailyFlow,
    DailyIntake,
    MonthlyFlow,
    StageVisit,
)
from parkportal.dashboard.services import summaries_refresh
from refunds.services.lifecycle import refund_forward, refund_transition
from tests.dashboard.conftest import SHANGHAI, at

pytestmark = pytest.mark.django_db


def test_flows_count_cases_entering_each_state(march):
    figures = selectors.period_figures(at(1, 0), at(1, 0, month=4))

    flows = figures["flows"]
    assert {name: flows[name]["count"] for name in flows} == {
        "received": 3,
        "approved": 1,
        "paid": 1,
        "rejected": 1,
        "withdrawn": 1,
    }
    assert flows["received"]["amount_cny"] == Decimal("70000.00")
    assert figures["approval_rate"] == 0.5


def test_cycle_time_runs_from_submission_to_payment(march):
    cycle = selectors.cycle_time(at(1, 0), at(1, 0, month=4))

    assert cycle == {"count": 1, "median_hours": 120.0, "p90_hours": 120.0}


def test_the_stay_in_disbursed_carries_the_submission_of_its_case(march):
    paid = march[0]
    paid.refresh_from_db()

    carrying = StageVisit.objects.filter(submitted_at__isnull=False)

    assert list(carrying.values_list("refund", "state", "submitted_at")) == [
        (paid.pk, "disbursed", paid.submitted_at)
    ]


def test_copying_submissions_onto_paid_stays_gives_the_same_cycle_time(march):
    """The data migration that filled the column for stays recorded before
    it existed."""
    from django.apps import apps

    copied = importlib.import_module(
        "parkportal.dashboard.migrations.0005_submission_of_paid_stays"
    )
    period = (at(1, 0), at(1, 0, month=4))
    recorded = selectors.cycle_time(*period)
    StageVisit.objects.update(submitted_at=None)

    copied.copy_submissions(apps, None)

    assert selectors.cycle_time(*period) == recorded
    assert recorded["median_hours"] == 120.0


def test_time_in_stage_and_the_bottleneck(march):
    stages = {
        row["state"]: row for row in selectors.stage_times(at(1, 0), at(1, 0, month=4))
    }

    assert stages["under_review"]["count"] == 3
    assert stages["under_review"]["median_hours"] == 24.0
    assert stages["under_review"]["p90_hours"] == 43.2
    assert stages["pending_approval"]["median_hours"] == 36.0
    assert stages["pending_approval"]["p90_hours"] == 45.6
    assert selectors.bottleneck(list(stages.values())) == "pending_approval"


def test_previous_period_is_the_same_length_before(march):
    comparison = selectors.compare_periods(at(1, 0, month=4), at(1, 0, month=5))

    assert comparison["current"]["flows"]["received"]["count"] == 0
    assert comparison["previous"]["start"] == datetime(2026, 3, 2, tzinfo=SHANGHAI)


def test_filters_narrow_every_figure(march):
    only_overpayments = selectors.Filters(reason="overpayment")

    flows = selectors.flows(at(1, 0), at(1, 0, month=4), only_overpayments)

    assert flows["received"]["count"] == 1
    assert flows["rejected"]["count"] == 1
    assert flows["paid"]["count"] == 0


def test_process_map_counts_each_way_out_of_a_stage(march):
    flow_map = selectors.process_map(at(1, 0), at(1, 0, month=4))

    edges = {
        (edge["source"], edge["target"]): edge["count"] for edge in flow_map["edges"]
    }
    assert edges[("under_review", "pending_approval")] == 2
    assert edges[("under_review", "withdrawn")] == 1
    assert edges[("pending_approval", "approved")] == 1
    assert edges[("pending_approval", "rejected")] == 1
    assert flow_map["bottleneck"] == "pending_approval"


def test_stuck_cases_are_the_oldest_open_stays(cases):
    with clock.travel(at(2)):
        older = cases.under_review()
    with clock.travel(at(9)):
        cases.under_review()

    stuck = selectors.stuck_cases("under_review", limit=1)

    assert [row["reference"] for row in stuck] == [older.reference]


def test_monthly_summary_equals_a_live_recount(march):
    summaries_refresh()

    from_summary = selectors.monthly_trend(date(2026, 2, 1), 3)
    live = selectors.monthly_trend(date(2026, 2, 1), 3, selectors.Filters(owner_id=-1))
    live_all = selectors.monthly_trend(
        date(2026, 2, 1), 3, selectors.Filters(enterprise_id=march[0].enterprise_id)
    )

    assert MonthlyFlow.objects.exists()
    assert from_summary == live_all
    assert all(month["received"]["count"] == 0 for month in live)
    assert from_summary[1]["received"]["count"] == 3


def test_every_stay_is_closed_by_the_next_transition(march):
    paid = march[0]

    states = list(
        StageVisit.objects.filter(refund=paid)
        .order_by("entered_at", "id")
        .values_list("state", "next_state")
    )

    assert states == [
        ("draft", "submitted"),
        ("submitted", "under_review"),
        ("under_review", "pending_approval"),
        ("pending_approval", "approved"),
        ("approved", "disbursing"),
        ("disbursing", "disbursed"),
        ("disbursed", ""),
    ]


def test_workload_counts_open_cases_and_reviews_per_owner(march, cases, olivia):
    with clock.travel(at(25)):
        cases.under_review()

    load = selectors.workload(at(1, 0), at(1, 0, month=4))

    row = next(row for row in load["owners"] if row["username"] == "olivia")
    assert row["open"] == 1
    assert row["by_state"] == {"under_review": 1}
    assert row["reviewed"] == 3
    assert row["review_median_hours"] == 24.0
    assert load["team"]["open"] == 1


def test_sla_breach_rate_counts_clocks_that_ended_after_their_deadline(march):
    from operations.models import StageClock

    review = StageClock.objects.filter(stage="review", ended_at__isnull=False)
    late = review.filter(ended_at__gt=F("deadline")).count()

    rows = {
        row["stage"]: row for row in selectors.sla_breaches(at(1, 0), at(1, 0, month=4))
    }

    assert rows["review"]["ended"] == review.count() > 0
    assert rows["review"]["breached"] == late
    assert rows["review"]["breach_rate"] == round(late / review.count(), 4)


def test_satisfaction_and_complaints_follow_ratings_of_closed_cases(
    march, cases, olivia
):
    from operations.services.feedback import complaint_file

    paid, rejected, _withdrawn = march
    complaint_file(refund_id=rejected.pk, actor=paid.applicant, body="Too slow")

    voice = selectors.voice_of_enterprises(at(1, 0), clock.now())

    assert voice["closed"] == 0
    assert voice["response_rate"] is None
    assert voice["complaints"] == 1
    assert voice["complaint_rate"] == round(1 / 3, 4)


def test_pool_outlook_reads_the_pool_and_its_forecast(march):
    outlook = selectors.pool_outlook(12)

    assert outlook["status"]["balance"] == Decimal("1000000.00") - Decimal("40000.00")
    assert len(outlook["forecast"]["weeks"]) == 12


@pytest.mark.parametrize(
    ("field", "matching", "other"),
    [
        ("enterprise_id", "acme", "globex"),
        ("currency", "CNY", "USD"),
        ("green_channel", False, True),
        ("owner_id", "olivia", "mark"),
    ],
)
def test_each_filter_keeps_the_cases_it_names(march, request, field, matching, other):
    def value(choice):
        if isinstance(choice, str) and choice in ("acme", "globex", "olivia", "mark"):
            return request.getfixturevalue(choice).pk
        return choice

    period = (at(1, 0), at(1, 0, month=4))

    kept = selectors.flows(*period, selectors.Filters(**{field: value(matching)}))
    left_out = selectors.flows(*period, selectors.Filters(**{field: value(other)}))

    assert kept["received"]["count"] == 3
    assert kept["paid"]["amount_cny"] == Decimal("40000.00")
    assert left_out["received"]["count"] == 0


def test_sla_breach_rate_counts_business_hours_and_not_the_paused_time(
    cases, olivia, alice
):
    """The review stage has sixteen business hours (two working days).

    A: Friday 09:00 to Monday 17:00 is 80 hours on the wall clock but
       fifteen business hours: on time.
    B: Monday 09:00, asked for information at 14:00 (four hours used),
       answered Thursday 10:00, forwarded Friday 14:00: fifteen business
       hours while the clock ran, on time (the deadline moved to Friday
       15:00; counting the three paused days it would be late).
    C: Monday 09:00 to Wednesday 10:00 is seventeen business hours: late.
    """
    from zoneinfo import ZoneInfo

    def june(day, hour):
        return datetime(2025, 6, day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))

    with clock.travel(june(13, 9)):
        weekend = cases.under_review()
    with clock.travel(june(16, 17)):
        refund_forward(refund_id=weekend.pk, actor=olivia)
    with clock.travel(june(9, 9)):
        paused = cases.under_review()
        late = cases.under_review()
    with clock.travel(june(9, 14)):
        refund_transition(
            refund_id=paused.pk, name="request_info", actor=olivia, comment="Lease?"
        )
    with clock.travel(june(11, 10)):
        refund_forward(refund_id=late.pk, actor=olivia)
    with clock.travel(june(12, 10)):
        refund_transition(
            refund_id=paused.pk, name="respond", actor=alice, comment="Attached"
        )
    with clock.travel(june(13, 14)):
        refund_forward(refund_id=paused.pk, actor=olivia)

    rows = {
        row["stage"]: row for row in selectors.sla_breaches(june(1, 0), june(30, 0))
    }

    assert rows["review"]["ended"] == 3
    assert rows["review"]["breached"] == 1
    assert rows["review"]["breach_rate"] == 0.3333


def _period_figures(start, end, reason):
    return {
        "flows": selectors.flows(start, end),
        "green": selectors.flows(start, end, selectors.Filters(green_channel=False)),
        "breakdowns": [
            selectors.breakdown(start, end, dimension)
            for dimension in ("reason", "currency", "enterprise")
        ],
        "one_reason": selectors.breakdown(
            start, end, "currency", selectors.Filters(reason=reason)
        ),
        "voice": selectors.voice_of_enterprises(start, end),
    }


def test_daily_summaries_equal_a_live_recount(march):
    start, end = at(1, 0), at(1, 0, month=4)
    live = _period_figures(start, end, "overpayment")

    summaries_refresh()
    from_summaries = _period_figures(start, end, "overpayment")

    assert DailyFlow.objects.exists()
    assert DailyIntake.objects.exists()
    assert from_summaries == live
    assert live["flows"]["received"]["count"] == 3
    assert live["one_reason"][0]["amount_cny"] == Decimal("20000.00")
    assert live["voice"]["closed"] == 0


def test_period_figures_add_what_came_after_the_last_refresh(march, cases):
    with clock.travel(at(15)):
        summaries_refresh()
    with clock.travel(at(25)):
        cases.under_review(amount="5000.00")
    # Ten more cases on each summarised day show that the summary is read.
    summarised_days = DailyFlow.objects.filter(
        day__lt=date(2026, 3, 15), state="submitted"
    ).update(count=F("count") + 10)

    flows = selectors.flows(at(1, 0), at(1, 0, month=4))
    enterprises = selectors.breakdown(at(1, 0), at(1, 0, month=4), "enterprise")

    assert summarised_days == 2
    assert flows["received"]["count"] == 3 + 1 + 20
    assert flows["received"]["amount_cny"] == Decimal("75000.00")
    assert sum(row["count"] for row in enterprises) == 4


def test_refresh_task_rebuilds_every_month_when_the_daily_summaries_are_empty(
    march,
):
    from parkportal.dashboard.tasks import refresh_summaries

    with clock.travel(at(10, month=6)):
        refresh_summaries.delay()

    assert DailyFlow.objects.filter(day__lt=date(2026, 4, 1)).exists()
    assert set(MonthlyFlow.objects.values_list("month", flat=True)) == {
        date(2026, 3, 1)
    }


def _maps(start, end):
    return [
        selectors.process_map(start, end, filters)
        for filters in (
            selectors.NO_FILTERS,
            selectors.Filters(reason="overpayment"),
            selectors.Filters(green_channel=False, currency="CNY"),
        )
    ]


def test_daily_exits_equal_a_live_recount(march):
    start, end = at(1, 0), at(1, 0, month=4)
    live = _maps(start, end)

    summaries_refresh()
    from_summaries = _maps(start, end)

    assert DailyExit.objects.exists()
    assert from_summaries == live
    edges = {(e["source"], e["target"]): e["count"] for e in live[1]["edges"]}
    assert edges == {
        ("draft", "submitted"): 1,
        ("submitted", "under_review"): 1,
        ("under_review", "pending_approval"): 1,
        ("pending_approval", "rejected"): 1,
    }


def test_process_map_adds_the_stays_ended_after_the_last_refresh(march, cases, olivia):
    with clock.travel(at(15)):
        summaries_refresh()
    with clock.travel(at(25)):
        later = cases.under_review()
    with clock.travel(at(26)):
        refund_forward(refund_id=later.pk, actor=olivia)
    # Ten more on each summarised day show that the summary is read.
    summarised_days = DailyExit.objects.filter(
        state="under_review", next_state="pending_approval"
    ).update(count=F("count") + 10)

    flow_map = selectors.process_map(at(1, 0), at(1, 0, month=4))

    edges = {(e["source"], e["target"]): e["count"] for e in flow_map["edges"]}
    assert summarised_days == 2
    assert edges[("under_review", "pending_approval")] == 2 + 20 + 1


def test_a_stay_is_summarised_in_the_month_it_ended(cases, olivia):
    with clock.travel(at(27, month=2)):
        refund = cases.under_review()
    with clock.travel(at(2)):
        refund_forward(refund_id=refund.pk, actor=olivia)

    summaries_refresh(months=[date(2026, 3, 1)])

    assert list(DailyExit.objects.values_list("day", "state", "count")) == [
        (date(2026, 3, 2), "under_review", 1)
    ]


def test_refresh_task_rebuilds_every_month_when_the_daily_exits_are_empty(march):
    from parkportal.dashboard.tasks import refresh_summaries

    summaries_refresh()
    DailyExit.objects.all().delete()

    with clock.travel(at(10, month=6)):
        refresh_summaries.delay()

    assert DailyExit.objects.filter(day__lt=date(2026, 4, 1)).exists()


def test_process_map_reads_live_while_the_daily_exits_are_empty(march):
    start, end = at(1, 0), at(1, 0, month=4)
    live = selectors.process_map(start, end)
    summaries_refresh()

    DailyExit.objects.all().delete()

    assert selectors.process_map(start, end) == live
    assert DailyFlow.objects.exists()
