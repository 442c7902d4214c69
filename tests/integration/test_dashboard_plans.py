"""The dashboard's live figures are answered from the stage visits'
indexes alone on PostgreSQL: no read of the table, whose rows a month of
figures would otherwise visit one page at a time.

Plain index scans, bitmap scans and sequential scans are switched off, so
a query the index does not cover falls back to a (disabled) sequential
scan and shows it in its plan."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parkportal.dashboard import selectors
from parkportal.dashboard.models import DailyFlow, MonthlyFlow
from parkportal.dashboard.services import summaries_refresh

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PERIOD = selectors.period_bounds(date(2026, 3, 1), 31)
FILTERS = [
    selectors.NO_FILTERS,
    selectors.Filters(reason="deposit"),
    selectors.Filters(currency="USD", green_channel=True),
    selectors.Filters(enterprise_id=1),
]
# The owner is read from the case, which the query joins.
WITH_OWNER = [*FILTERS, selectors.Filters(owner_id=1)]


def _plans(read) -> list[str]:
    """The plan of every query `read` makes on the stage visits."""
    with connection.cursor() as cursor:
        for setting in ("seqscan", "bitmapscan", "indexscan"):
            cursor.execute(f"SET LOCAL enable_{setting} = off")
        with CaptureQueriesContext(connection) as queries:
            read()
        plans = []
        for query in queries:
            if "dashboard_stagevisit" not in query["sql"]:
                continue
            cursor.execute("EXPLAIN " + query["sql"])
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def _indexes_read_alone(plans: list[str]) -> list[str | None]:
    """Per plan, the index it reads without the table; None for a plan
    that reads the table."""
    found = []
    for plan in plans:
        match = re.search(r"Index Only Scan using (\w+)", plan)
        reads_table = "Seq Scan on dashboard_stagevisit" in plan
        found.append(match[1] if match and not reads_table else None)
    return found


@pytest.mark.parametrize("filters", WITH_OWNER)
def test_time_in_stage_reads_the_covering_index_alone(filters):
    plans = _plans(lambda: selectors.stage_times(*PERIOD, filters))

    assert _indexes_read_alone(plans) == ["stage_visit_left_covering"]


@pytest.mark.parametrize("filters", WITH_OWNER)
def test_the_process_map_reads_the_indexes_alone(filters):
    plans = _plans(lambda: selectors.process_map(*PERIOD, filters))

    assert sorted(_indexes_read_alone(plans)) == [
        "stage_visit_left_covering",
        "stage_visit_left_covering",
        "stage_visit_open",
    ]


@pytest.mark.parametrize("filters", WITH_OWNER)
def test_stuck_cases_are_found_in_the_open_stays_index(filters):
    plans = _plans(lambda: selectors.stuck_cases("under_review", filters=filters))

    assert _indexes_read_alone(plans) == ["stage_visit_open"]


@pytest.mark.parametrize("filters", WITH_OWNER)
def test_flows_read_stays_begun_from_the_covering_index(filters):
    plans = _plans(lambda: selectors.flows(*PERIOD, filters))

    assert _indexes_read_alone(plans) == ["stage_visit_entered_covering"]


@pytest.mark.parametrize("filters", FILTERS)
def test_cycle_time_reads_the_paid_stays_index_alone(filters):
    """Without the owner: joining the case with every scan of it disabled,
    the planner may as well start from the case."""
    plans = _plans(lambda: selectors.cycle_time(*PERIOD, filters))

    assert _indexes_read_alone(plans) == ["stage_visit_paid"]


def test_stage_visits_are_vacuumed_after_ten_thousand_changes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'dashboard_stagevisit'"
        )
        (options,) = cursor.fetchone()

    assert set(options) == {
        "autovacuum_vacuum_scale_factor=0",
        "autovacuum_vacuum_threshold=10000",
        "autovacuum_vacuum_insert_scale_factor=0",
        "autovacuum_vacuum_insert_threshold=10000",
    }


def test_a_rebuild_leaves_the_planner_the_summaries_new_row_counts(cases):
    cases.under_review()
    cases.draft()

    summaries_refresh()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [["dashboard_monthlyflow", "dashboard_dailyflow"]],
        )
        counted = dict(cursor.fetchall())
    assert counted == {
        "dashboard_monthlyflow": MonthlyFlow.objects.count(),
        "dashboard_dailyflow": DailyFlow.objects.count(),
    }
    assert MonthlyFlow.objects.exists()
