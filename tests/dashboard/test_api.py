import csv
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

MARCH = {"start": "2026-03-01", "end": "2026-04-01"}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_committee_reads_the_figures_with_the_previous_period(march, carl):
    response = client_for(carl).get("/api/v1/dashboard/figures/", MARCH)

    assert response.status_code == 200
    assert response.data["current"]["flows"]["received"]["count"] == 3
    assert response.data["previous"]["flows"]["received"]["count"] == 0
    assert response.data["current"]["bottleneck"] == "pending_approval"
    assert [row["key"] for row in response.data["breakdown"]["reason"]] == [
        "deposit",
        "overpayment",
    ]


def test_enterprise_and_specialist_cannot_read_the_dashboard(alice, olivia):
    for user in (alice, olivia):
        response = client_for(user).get("/api/v1/dashboard/figures/")

        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


def test_bad_dates_are_refused_with_a_reason(carl):
    response = client_for(carl).get("/api/v1/dashboard/figures/", {"start": "March"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_date"


def test_stage_table_exports_as_csv_and_xlsx(march, carl):
    csv_response = client_for(carl).get("/api/v1/dashboard/export/stages.csv", MARCH)
    xlsx_response = client_for(carl).get("/api/v1/dashboard/export/stages.xlsx", MARCH)

    lines = csv_response.content.decode().splitlines()
    assert lines[0] == "state,cases,median_hours,p90_hours"
    assert "pending_approval,2,36.0,45.6" in lines
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert [cell.value for cell in sheet[1]] == [
        "state",
        "cases",
        "median_hours",
        "p90_hours",
    ]
    assert "attachment" in xlsx_response["Content-Disposition"]


def test_stuck_cases_need_a_known_state(carl):
    response = client_for(carl).get("/api/v1/dashboard/stuck/", {"state": "limbo"})

    assert response.status_code == 400


def test_manager_reads_workload_per_owner(cases, mark):
    cases.under_review()

    response = client_for(mark).get("/api/v1/dashboard/workload/")

    assert response.status_code == 200
    assert response.data["team"]["open"] == 1
    assert response.data["owners"][0]["username"] == "olivia"


EXPORT_HEADERS = {
    "flows": ["flow", "cases", "amount_cny"],
    "stages": ["state", "cases", "median_hours", "p90_hours"],
    "reason": ["reason", "cases", "amount_cny"],
    "currency": ["currency", "cases", "amount_cny"],
    "enterprise": ["enterprise", "cases", "amount_cny"],
    "trend": ["month", "received", "approved", "paid", "rejected", "withdrawn"],
    "sla": ["stage", "ended", "breached", "breach_rate", "overdue_now"],
    "owners": [
        "owner",
        "open",
        "reviewed",
        "review_median_hours",
        "sla_ended",
        "sla_breached",
        "breach_rate",
        "overdue_now",
    ],
    "flags": ["rule", "hits", "holds"],
}


def _same(value):
    """A cell as both files carry it: numbers as numbers (a spreadsheet
    keeps 24.0 as 24), blanks as empty text."""
    if value is None:
        return ""
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def test_every_dashboard_table_has_an_export():
    from parkportal.dashboard.api import EXPORT_TABLES

    assert sorted(EXPORT_TABLES) == sorted(EXPORT_HEADERS)


@pytest.mark.parametrize("table", sorted(EXPORT_HEADERS))
def test_each_table_exports_the_same_rows_as_csv_and_xlsx(march, carl, table):
    csv_response = client_for(carl).get(f"/api/v1/dashboard/export/{table}.csv", MARCH)
    xlsx_response = client_for(carl).get(
        f"/api/v1/dashboard/export/{table}.xlsx", MARCH
    )

    rows = list(csv.reader(io.StringIO(csv_response.content.decode())))
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    cells = [[_same(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == EXPORT_HEADERS[table]
    assert len(rows) > 1
    assert cells == [[_same(cell) for cell in row] for row in rows]
    assert "attachment" in csv_response["Content-Disposition"]


def test_the_owner_table_counts_each_owners_late_clocks(march, carl):
    rows = list(
        csv.reader(
            io.StringIO(
                client_for(carl)
                .get("/api/v1/dashboard/export/owners.csv", MARCH)
                .content.decode()
            )
        )
    )

    header, olivia, team = rows[0], rows[1], rows[-1]
    assert olivia[0] == "olivia"
    assert team[0] == "team"
    ended = int(olivia[header.index("sla_ended")])
    assert ended > 0
    assert olivia[header.index("sla_ended")] == team[header.index("sla_ended")]
