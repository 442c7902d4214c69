"""Finding a case by its reference, or by its enterprise's name, reads the
indexes that lead to it, never the whole case table or the whole audit
trail, on PostgreSQL. Sequential scans are switched off, so a query that
no index serves shows the disabled scan in its plan."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from refunds.selectors import audit_events_search, refunds_search

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def _plans(read) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        with CaptureQueriesContext(connection) as queries:
            read()
        plans = []
        for query in queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return "\n".join(plans)


def _first_page(queryset) -> None:
    queryset.count()
    list(queryset[:50])


@pytest.mark.parametrize("query", ["RF-2026-000010", "rf-2026-0000"])
def test_a_case_is_found_by_reference_on_the_reference_index(olivia, query):
    plans = _plans(lambda: _first_page(refunds_search(olivia, query=query)))

    assert "Seq Scan on refunds_refundrequest" not in plans
    assert "refunds_refundrequest_reference" in plans


def test_cases_are_found_by_enterprise_name_through_their_enterprise(olivia):
    plans = _plans(lambda: _first_page(refunds_search(olivia, query="Acme")))

    assert "Seq Scan on refunds_refundrequest" not in plans
    # Each matching enterprise's cases are looked up by its id.
    assert re.search(r"Index Cond: \(enterprise_id = \w+\.id\)", plans)


def test_the_audit_trail_of_a_case_is_read_from_the_case_onwards():
    plans = _plans(lambda: _first_page(audit_events_search(reference="rf-2026-1")))

    assert "Seq Scan on refunds_auditevent" not in plans
    assert "refunds_refundrequest_reference" in plans
    assert "refunds_auditevent_refund_id" in plans
