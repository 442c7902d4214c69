"""Print how long finance's heavier reads and file handling take on this
database. Read-only: nothing is written."""

import time
from decimal import Decimal

from django.core.management.base import BaseCommand

from finance import bankfiles
from finance.forecast import pool_forecast
from finance.reports import monthly_report, report_xlsx
from finance.selectors import pool_status
from finance.services.pool import ledger_check
from parkportal.core import clock


def _timed(repeat: int, call) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        call()
    return (time.perf_counter() - started) / repeat * 1000


class Command(BaseCommand):
    help = "Time the pool status, forecast, ledger check, report and bank files."

    def add_arguments(self, parser):
        parser.add_argument("--lines", type=int, default=5000)
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, lines, repeat, **options):
        month = clock.today()
        figures = {
            "pool_status": _timed(repeat, pool_status),
            "pool_forecast (12 weeks)": _timed(repeat, pool_forecast),
            "ledger_check": _timed(repeat, ledger_check),
            "monthly_report + xlsx": _timed(
                repeat, lambda: report_xlsx(monthly_report(month))
            ),
        }
        orders = [
            bankfiles.PaymentOrder(
                f"RF-2026-{n:06d}-1",
                "Payee",
                "Bank",
                "6222000011112222",
                Decimal("1000.00"),
                "CNY",
                "x",
            )
            for n in range(lines)
        ]
        entries = [
            bankfiles.StatementEntry(
                f"L{n}", o.end_to_end_id, o.amount, "CNY", month, n % 50 == 0
            )
            for n, o in enumerate(orders)
        ]
        pain = bankfiles.pain001(
            message_id="BENCH",
            created_at=clock.now(),
            execution_date=month,
            debtor=bankfiles.Debtor("Park", "CN0", "Bank"),
            orders=orders,
        )
        camt = bankfiles.camt053(
            statement_id="BENCH", created_at=clock.now(), account="CN0", entries=entries
        )
        figures[f"pain.001 parse ({lines} payments)"] = _timed(
            repeat, lambda: bankfiles.parse_pain001(pain)
        )
        figures[f"camt.053 parse ({lines} lines)"] = _timed(
            repeat, lambda: bankfiles.parse_camt053(camt)
        )
        for name, milliseconds in figures.items():
            self.stdout.write(f"{name:40} {milliseconds:10.1f} ms")
