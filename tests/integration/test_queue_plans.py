"""The work queues read their page from the queue indexes on PostgreSQL,
in the order the page needs, whatever the filters: no sort of the open
cases and no scan of the case table.

Sequential and bitmap scans and sorts are switched off, so a query that no
index serves in order shows the disabled node in its plan."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from operations.selectors import QueueFilters, queue_rows

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

QUEUES = [
    ("team", QueueFilters()),
    ("team", QueueFilters(states=["under_review"])),
    ("team", QueueFilters(states=["under_review", "info_requested"])),
    ("unassigned", QueueFilters(states=["submitted"])),
    ("mine", QueueFilters()),
    ("mine", QueueFilters(states=["under_review", "info_requested", "on_hold"])),
]


def _case_table_plan(read) -> str:
    with connection.cursor() as cursor:
        for setting in ("seqscan", "bitmapscan", "sort"):
            cursor.execute(f"SET LOCAL enable_{setting} = off")
        with CaptureQueriesContext(connection) as queries:
            read()
        (query,) = [q for q in queries if "refunds_refundrequest" in q["sql"]]
        cursor.execute("EXPLAIN " + query["sql"])
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(("queue", "filters"), QUEUES)
def test_a_queue_page_is_read_in_order_from_a_queue_index(olivia, queue, filters):
    plan = _case_table_plan(
        lambda: list(queue_rows(user=olivia, queue=queue, filters=filters)[:51])
    )

    assert "Index Scan using refund_queue_" in plan
    assert "Sort" not in plan
    assert "Seq Scan on refunds_refundrequest" not in plan


def test_the_open_cases_index_tests_state_and_owner_on_its_entries(olivia):
    """Where the planner takes the index over every open case for one
    state, it skips other states' entries without reading their cases."""
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX refund_queue_state")
    filters = QueueFilters(states=["under_review"])

    plan = _case_table_plan(
        lambda: list(queue_rows(user=olivia, queue="team", filters=filters)[:51])
    )

    assert "Index Scan using refund_queue_open_by_deadline" in plan
    condition = plan.split("Index Cond: ", 1)[1].splitlines()[0]
    assert "state" in condition
    assert "owner_id IS NOT NULL" in condition
