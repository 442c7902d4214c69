import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from finance.models import Payment
from finance.reports import monthly_report, report_csv, report_xlsx
from finance.selectors import fx_variance, fx_variance_by_month
from finance.services.rates import fx_rate_set
from finance.services.reconciliation import statement_import
from parkportal.core import clock
from tests.finance.conftest import statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def month_of_payments(funded_pool, cases, usd_cases, mark, fiona, pay):
    cny = cases.approved([mark], amount="60000.00")
    usd = usd_cases.approved([mark], amount="1000.00")
    fx_rate_set(actor=fiona, currency="USD", valid_on=clock.today(), rate="7.10")
    pay(cny, usd)
    statement_import(
        actor=fiona,
        content=statement("S-1", paid=list(Payment.objects.all())),
        file_format="camt053",
    )
    return cny, usd


def test_the_monthly_report_sums_refunds_variance_and_movements(month_of_payments):
    report = monthly_report(clock.today())

    by_currency = {row["group"]: row for row in report["by_currency"]}
    assert by_currency["CNY"]["amount"] == Decimal("60000.00")
    assert by_currency["USD"]["amount_cny"] == Decimal("7100.00")
    assert report["by_reason"][0]["reason"] == "deposit"
    assert report["fx_variance"]["total_cny"] == Decimal("-100.00")
    movements = {row["kind"]: row for row in report["pool_movements"]["rows"]}
    assert movements["disbursement"]["balance_change"] == Decimal("-67100.00")
    assert report["pool_movements"]["closing_balance"] == Decimal("932900.00")


def test_fx_variance_lists_each_foreign_case(month_of_payments):
    _cny, usd = month_of_payments

    variance = fx_variance(clock.today())

    assert [case["reference"] for case in variance["cases"]] == [usd.reference]
    assert variance["cases"][0]["rate_at_payment"] == Decimal("7.100000")


def test_the_report_reads_back_from_csv_and_xlsx(month_of_payments):
    report = monthly_report(clock.today())

    rows = list(csv.reader(io.StringIO(report_csv(report).decode("utf-8-sig"))))
    workbook = load_workbook(io.BytesIO(report_xlsx(report)))

    assert ["closing_balance", "", "932900.00", ""] in rows
    assert len(workbook.sheetnames) == 5
    movements = workbook[workbook.sheetnames[-1]]
    assert movements.cell(row=1, column=1).value == "kind"


def test_fx_variance_by_month_gives_twelve_months_for_a_chart(month_of_payments):
    rows = fx_variance_by_month(months=12)

    assert len(rows) == 12
    assert rows[-1] == {
        "month": clock.today().strftime("%Y-%m"),
        "cases": 1,
        "total_cny": Decimal("-100.00"),
    }
    assert all(row["cases"] == 0 for row in rows[:-1])
