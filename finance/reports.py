"""The monthly finance report: refunded amounts by reason, enterprise and
currency, FX variance, and pool movements; as data, CSV and XLSX."""

import csv
import io
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from openpyxl import Workbook

from finance.models import EntryKind, LedgerEntry, Payment, PaymentStatus
from finance.selectors import fx_variance, main_pool, month_bounds
from parkportal.core.jobs import Report

ZERO = Decimal("0.00")

MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _refunded(start, end, group: str, label: str) -> list[dict]:
    rows = (
        Payment.objects.filter(
            status=PaymentStatus.PAID, settled_at__gte=start, settled_at__lt=end
        )
        .values(group, "currency")
        .annotate(
            cases=Count("id"),
            amount=Sum("amount"),
            amount_cny=Sum("amount_cny_at_payment"),
        )
        .order_by(group, "currency")
    )
    return [
        {
            label: row[group],
            "currency": row["currency"],
            "cases": row["cases"],
            "amount": row["amount"],
            "amount_cny": row["amount_cny"] or ZERO,
        }
        for row in rows
    ]


def _movements(start, end) -> dict:
    pool = main_pool()
    entries = LedgerEntry.objects.filter(pool=pool)
    opening = (
        entries.filter(created_at__lt=start).aggregate(total=Sum("balance_change"))[
            "total"
        ]
        or ZERO
    )
    by_kind = {
        row["kind"]: row
        for row in entries.filter(created_at__gte=start, created_at__lt=end)
        .values("kind")
        .annotate(
            count=Count("id"),
            balance=Sum("balance_change"),
            earmarked=Sum("earmark_change"),
        )
    }
    rows = [
        {
            "kind": kind.value,
            "entries": by_kind.get(kind.value, {}).get("count", 0),
            "balance_change": by_kind.get(kind.value, {}).get("balance") or ZERO,
            "earmark_change": by_kind.get(kind.value, {}).get("earmarked") or ZERO,
        }
        for kind in EntryKind
    ]
    closing = opening + sum((row["balance_change"] for row in rows), ZERO)
    return {"opening_balance": opening, "closing_balance": closing, "rows": rows}


def monthly_report(month: date) -> dict:
    start, end = month_bounds(month)
    return {
        "month": month.strftime("%Y-%m"),
        "by_reason": _refunded(start, end, "refund__reason", "reason"),
        "by_enterprise": _refunded(
            start, end, "refund__enterprise__name", "enterprise"
        ),
        "by_currency": _refunded(start, end, "currency", "group"),
        "fx_variance": fx_variance(month),
        "pool_movements": _movements(start, end),
    }


def _sections(report: dict) -> list[tuple[str, list[str], list[list]]]:
    """Each section of the report as (title, header, rows)."""
    refunded = ["cases", "amount", "amount_cny"]
    sections = [
        (
            _("Refunded by reason"),
            ["reason", "currency", *refunded],
            [
                [r["reason"], r["currency"], *(r[k] for k in refunded)]
                for r in report["by_reason"]
            ],
        ),
        (
            _("Refunded by enterprise"),
            ["enterprise", "currency", *refunded],
            [
                [r["enterprise"], r["currency"], *(r[k] for k in refunded)]
                for r in report["by_enterprise"]
            ],
        ),
        (
            _("Refunded by currency"),
            ["currency", *refunded],
            [[r["currency"], *(r[k] for k in refunded)] for r in report["by_currency"]],
        ),
    ]
    fx_columns = [
        "reference",
        "currency",
        "amount",
        "rate_at_approval",
        "rate_at_payment",
        "fx_variance_cny",
    ]
    fx_rows = [[case[k] for k in fx_columns] for case in report["fx_variance"]["cases"]]
    fx_rows.append(["total", "", "", "", "", report["fx_variance"]["total_cny"]])
    sections.append((_("FX variance"), fx_columns, fx_rows))
    movements = report["pool_movements"]
    movement_rows = [
        ["opening_balance", "", movements["opening_balance"], ""],
        *[
            [r["kind"], r["entries"], r["balance_change"], r["earmark_change"]]
            for r in movements["rows"]
        ],
        ["closing_balance", "", movements["closing_balance"], ""],
    ]
    sections.append(
        (
            _("Pool movements"),
            ["kind", "entries", "balance_change", "earmark_change"],
            movement_rows,
        )
    )
    return sections


def report_csv(report: dict, *, progress: Report | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Finance report"), report["month"]])
    sections = _sections(report)
    for done, (title, header, rows) in enumerate(sections, start=1):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
        if progress:
            progress(done, len(sections))
    return out.getvalue().encode("utf-8-sig")


def report_xlsx(report: dict, *, progress: Report | None = None) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    sections = _sections(report)
    for done, (title, header, rows) in enumerate(sections, start=1):
        sheet = workbook.create_sheet(title[:31])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        if progress:
            progress(done, len(sections))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def report_file(
    month: date, file_format: str, *, progress: Report | None = None
) -> tuple[str, str, bytes]:
    """The month's report as (file name, media type, content): what the
    desk's export job keeps."""
    report = monthly_report(month)
    write = report_xlsx if file_format == "xlsx" else report_csv
    content = write(report, progress=progress)
    return f"finance-{report['month']}.{file_format}", MEDIA_TYPES[file_format], content
