"""Query budgets: every list and detail under /api/v1/ costs as many
queries for 1 row as for 50 more (no N+1), and no more than its budget.

Each route is read by a role allowed to read it, once with one row of what
it lists and once after 50 more were built with the real services; both
reads follow a warm-up call, so that what a process reads once and keeps
(content types, translation catalogues) is not counted. Counts include
savepoints and PostgreSQL's advisory locks, so a budget is the larger of
the two engines' counts.

A GET route served under /api/v1/ without a budget, or a budget for a
route that is gone, fails the completeness test: nobody adds a list
without deciding what it may cost.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.performance import builders as b
from tests.security.routes import walk_routes

MORE_ROWS = 50
# A budget above this says why.
LARGE = 8

# Queries at most per read, and why where a budget is large. Every read
# pays two for the session and the user, whose row carries their roles.
BUDGETS = {
    "audit-verify": (3, ""),
    "audit-event-list": (3, ""),
    "audit-event-detail": (3, ""),
    "refund-list": (3, ""),
    "refund-detail": (3, ""),
    "refund-approval-steps": (4, ""),
    "refund-documents": (4, ""),
    "refund-document-download": (5, ""),
    "refund-events": (3, ""),
    "refund-messages": (4, ""),
    "refund-transitions": (3, ""),
    "finance-pool": (4, ""),
    "finance-pool-forecast": (
        9,
        "the pool, its earmarks, the year's stage statistics (their table, "
        "counted live until it is first refreshed), the pending amounts per "
        "stage and expected day in one query, planned top-ups",
    ),
    "finance-pool-check": (5, ""),
    "finance-report-monthly": (
        9,
        "three refunded breakdowns, the FX variance and the pool's movements",
    ),
    "finance-fx-variance": (3, ""),
    "finance-fx-variance-monthly": (3, ""),
    "finance-ledger-list": (3, ""),
    "finance-ledger-detail": (3, ""),
    "finance-top-up-list": (3, ""),
    "finance-top-up-detail": (3, ""),
    "finance-earmark-list": (3, ""),
    "finance-earmark-detail": (3, ""),
    "finance-rate-list": (3, ""),
    "finance-batch-list": (5, ""),
    "finance-batch-detail": (5, ""),
    "finance-batch-export": (6, ""),
    "finance-payment-list": (3, ""),
    "finance-payment-detail": (3, ""),
    "finance-statement-list": (4, ""),
    "finance-statement-detail": (4, ""),
    "finance-statement-line-list": (3, ""),
    "finance-statement-line-detail": (3, ""),
    "operations-api:queue-counts": (3, ""),
    "operations-api:queue": (3, ""),
    "operations-api:sla": (6, ""),
    "operations-api:complaints": (3, ""),
    "operations-api:satisfaction": (6, ""),
    "operations-api:inbox": (4, ""),
    "operations-api:inbox-unread": (3, ""),
    "operations-api:digests": (3, ""),
    "operations-api:digest": (3, ""),
    "operations-api:delegations": (3, ""),
    "risk-matrix": (
        8,
        "the hits of the period, then the controls of each risk category",
    ),
    "risk-flags": (5, ""),
    "risk-flags-by-rule": (3, ""),
    "risk-rule-type-list": (2, ""),
    "risk-rule-list": (3, ""),
    "risk-rule-detail": (3, ""),
    "risk-rule-versions": (4, ""),
    "risk-version-list": (3, ""),
    "risk-version-detail": (3, ""),
    "risk-threshold-list": (3, ""),
    "risk-assessment-list": (6, ""),
    "risk-assessment-detail": (6, ""),
    "risk-hold-list": (4, ""),
    "risk-hold-detail": (4, ""),
    "risk-backtest-list": (3, ""),
    "risk-backtest-detail": (5, ""),
    "risk-invoice-total-list": (3, ""),
    "dashboard-figures": (
        39,
        "two periods of flows and times, three breakdowns, SLA, voice, risk, pool; "
        "each figure read from the daily summaries first finds their edge",
    ),
    "dashboard-trend": (3, ""),
    "dashboard-process-map": (7, ""),
    "dashboard-stuck": (3, ""),
    "dashboard-workload": (
        6,
        "reviews, open cases, SLA clocks ended and overdue, per owner",
    ),
    "dashboard-export": (
        4,
        "one more to find the edge of the daily summaries (their last refresh)",
    ),
    "enterprise-list": (5, ""),
    "enterprise-detail": (5, ""),
    "outbox-dead": (3, ""),
}


def _latest(key):
    return lambda park: {"pk": park.latest[key].pk}


def _case(park):
    return {"pk": park.bare_draft().pk}


def _open_case(park):
    return {"pk": park.open_case().pk}


@dataclass(frozen=True)
class Reading:
    """Who reads the route, what rows it lists, and where it is."""

    reader: str
    rows: Callable
    kwargs: Callable = field(default=lambda park: {})
    query: str = ""


READINGS = {
    "audit-verify": Reading("audrey", b.audit_events),
    "audit-event-list": Reading("audrey", b.audit_events),
    "audit-event-detail": Reading("audrey", b.audit_events, _latest("audit_event")),
    "refund-list": Reading("mark", b.cases_under_review),
    "refund-detail": Reading("mark", b.cases_under_review, _latest("case")),
    "refund-approval-steps": Reading("mark", b.approval_steps, _open_case),
    "refund-documents": Reading("olivia", b.documents, _case),
    "refund-document-download": Reading(
        "alice",
        b.documents,
        lambda park: {"pk": park.bare_draft().pk, "doc_id": park.latest["document"].pk},
    ),
    "refund-events": Reading("olivia", b.timeline_entries, _open_case),
    "refund-messages": Reading("olivia", b.messages, _case),
    "refund-transitions": Reading("alice", b.documents, _case),
    "finance-pool": Reading("fiona", b.approved_cases),
    "finance-pool-forecast": Reading("fiona", b.top_ups),
    "finance-pool-check": Reading("fiona", b.ledger_entries),
    "finance-report-monthly": Reading("fiona", b.paid_one_by_one),
    "finance-fx-variance": Reading("fiona", b.paid_in_dollars),
    "finance-fx-variance-monthly": Reading("fiona", b.paid_in_dollars),
    "finance-ledger-list": Reading("fiona", b.ledger_entries),
    "finance-ledger-detail": Reading(
        "fiona", b.ledger_entries, lambda park: {"pk": park.last_ledger_entry().pk}
    ),
    "finance-top-up-list": Reading("fiona", b.top_ups),
    "finance-top-up-detail": Reading("fiona", b.top_ups, _latest("top_up")),
    "finance-earmark-list": Reading("fiona", b.paid_one_by_one),
    "finance-earmark-detail": Reading(
        "fiona", b.paid_one_by_one, lambda park: {"pk": park.last_earmark().pk}
    ),
    "finance-rate-list": Reading("fiona", b.fx_rates),
    "finance-batch-list": Reading("fiona", b.paid_one_by_one),
    "finance-batch-detail": Reading("fiona", b.paid_together, _latest("batch")),
    "finance-batch-export": Reading("fiona", b.paid_together, _latest("batch")),
    "finance-payment-list": Reading("fiona", b.paid_one_by_one),
    "finance-payment-detail": Reading("fiona", b.paid_one_by_one, _latest("payment")),
    "finance-statement-list": Reading("fiona", b.paid_one_by_one),
    "finance-statement-detail": Reading("fiona", b.paid_together, _latest("statement")),
    "finance-statement-line-list": Reading("fiona", b.paid_one_by_one),
    "finance-statement-line-detail": Reading(
        "fiona", b.paid_one_by_one, _latest("line")
    ),
    "operations-api:queue-counts": Reading("olivia", b.cases_under_review),
    "operations-api:queue": Reading(
        "olivia", b.cases_under_review, lambda park: {"queue": "mine"}
    ),
    "operations-api:sla": Reading(
        "olivia",
        b.cases_under_review,
        lambda park: {"refund_id": park.latest["case"].pk},
    ),
    "operations-api:complaints": Reading("mark", b.complaints),
    "operations-api:satisfaction": Reading("mark", b.paid_one_by_one),
    "operations-api:inbox": Reading("mark", b.digests),
    "operations-api:inbox-unread": Reading("mark", b.digests),
    "operations-api:digests": Reading("mark", b.digests),
    "operations-api:digest": Reading("mark", b.digests, _latest("digest")),
    "operations-api:delegations": Reading("mark", b.delegations),
    "risk-matrix": Reading("rita", b.backtested_cases),
    "risk-flags": Reading("rita", b.backtested_cases),
    "risk-flags-by-rule": Reading("rita", b.backtested_cases),
    "risk-rule-type-list": Reading("rita", b.rules),
    "risk-rule-list": Reading("rita", b.rules),
    "risk-rule-detail": Reading("rita", b.rules, _latest("rule")),
    "risk-rule-versions": Reading(
        "rita", b.rule_versions, lambda park: {"pk": park.latest["rule"].pk}
    ),
    "risk-version-list": Reading("rita", b.rule_versions),
    "risk-version-detail": Reading("rita", b.rule_versions, _latest("version")),
    "risk-threshold-list": Reading("rita", b.thresholds),
    "risk-assessment-list": Reading("rita", b.backtested_cases),
    "risk-assessment-detail": Reading(
        "rita", b.backtested_cases, lambda park: {"pk": park.last_assessment().pk}
    ),
    "risk-hold-list": Reading("rita", b.backtested_cases),
    "risk-hold-detail": Reading(
        "rita", b.backtested_cases, lambda park: {"pk": park.last_hold().pk}
    ),
    "risk-backtest-list": Reading("rita", b.backtests),
    "risk-backtest-detail": Reading("rita", b.backtested_cases, _latest("backtest")),
    "risk-invoice-total-list": Reading("rita", b.invoice_totals),
    "dashboard-figures": Reading("carl", b.cases_of_many_enterprises),
    "dashboard-trend": Reading("carl", b.cases_of_many_enterprises),
    "dashboard-process-map": Reading("carl", b.cases_of_many_enterprises),
    "dashboard-stuck": Reading(
        "carl", b.cases_of_many_enterprises, query="state=under_review"
    ),
    "dashboard-workload": Reading("carl", b.cases_of_many_enterprises),
    "dashboard-export": Reading(
        "carl",
        b.cases_of_many_enterprises,
        lambda park: {"table": "enterprise", "file_format": "csv"},
    ),
    "enterprise-list": Reading("olivia", b.enterprises),
    "enterprise-detail": Reading("olivia", b.contracts_of_acme, _latest("enterprise")),
    "outbox-dead": Reading("sam", b.dead_letters),
}


def _read_routes() -> set[str]:
    return {
        route.name for route in walk_routes() if route.api and "get" in route.methods
    }


def test_every_list_and_detail_has_a_budget_and_a_reading():
    served = _read_routes()

    missing = served - set(BUDGETS)
    stale = set(BUDGETS) - served

    assert not missing, f"routes without a query budget: {sorted(missing)}"
    assert not stale, f"budgets for routes that are gone: {sorted(stale)}"
    assert set(READINGS) == set(BUDGETS)


@pytest.mark.urls("tests.security.urls_unlisted")
def test_a_route_added_without_a_budget_is_caught():
    with pytest.raises(AssertionError, match="unlisted"):
        test_every_list_and_detail_has_a_budget_and_a_reading()


def test_every_large_budget_says_why():
    unexplained = [
        name for name, (budget, why) in BUDGETS.items() if budget > LARGE and not why
    ]

    assert not unexplained


@pytest.fixture
def sam(db):
    """Site administrator (Django staff), who reads the dead letters."""
    return UserFactory(username="sam", is_staff=True)


@pytest.fixture
def park(db, request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return b.Park(request)


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _queries(client, path) -> int:
    client.get(path)  # warm-up: what the process reads once and keeps
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured.captured_queries)


def _path(name, park) -> str:
    reading = READINGS[name]
    path = reverse(name, kwargs=reading.kwargs(park))
    return f"{path}?{reading.query}" if reading.query else path


def _by_rows() -> dict[str, list[str]]:
    """Routes that list the same rows share one build of them."""
    groups = {}
    for name, reading in sorted(READINGS.items()):
        groups.setdefault(reading.rows.__name__, []).append(name)
    return groups


ROUTES_BY_ROWS = _by_rows()


def _over_budget(names, park) -> list[str]:
    """Read each route after one row and after 50 more; say what went
    wrong."""
    build = READINGS[names[0]].rows
    clients = {name: _client(getattr(park, READINGS[name].reader)) for name in names}
    build(park, 1)
    one = {name: _queries(clients[name], _path(name, park)) for name in names}
    build(park, MORE_ROWS)
    many = {name: _queries(clients[name], _path(name, park)) for name in names}

    wrong = [
        f"{name}: {one[name]} queries for 1 row, {many[name]} for 51"
        for name in names
        if many[name] != one[name]
    ]
    return wrong + [
        f"{name}: {many[name]} queries, budget {BUDGETS[name][0]}"
        for name in names
        if many[name] > BUDGETS[name][0]
    ]


@pytest.mark.parametrize("rows", sorted(ROUTES_BY_ROWS))
def test_reads_cost_as_many_queries_for_1_row_as_for_50_more(rows, park):
    wrong = _over_budget(ROUTES_BY_ROWS[rows], park)

    assert not wrong, "; ".join(wrong)


@pytest.mark.urls("tests.performance.urls_per_row")
def test_a_list_with_a_query_per_row_is_caught(park, monkeypatch):
    monkeypatch.setitem(BUDGETS, "per-row", (4, ""))
    monkeypatch.setitem(READINGS, "per-row", Reading("olivia", b.enterprises))

    wrong = _over_budget(["per-row"], park)

    assert len(wrong) == 2
    assert wrong[0].startswith("per-row: ") and wrong[0].endswith(" for 51")
    assert wrong[1].startswith("per-row: ") and wrong[1].endswith(" budget 4")
