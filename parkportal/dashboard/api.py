"""The committee's figures for the park's other systems and for the
dashboard page's charts."""

import csv
import io
from datetime import date, datetime, time, timedelta

from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from parkportal.accounts.roles import Role, has_role
from parkportal.core import clock
from parkportal.core.errors import InvalidInput
from parkportal.dashboard import selectors
from refunds.models import State

READER_ROLES = (Role.COMMITTEE, Role.OPS_MANAGER, Role.FINANCE_DIRECTOR, Role.AUDITOR)

PERIOD_PARAMETERS = [
    OpenApiParameter(
        "start", OpenApiTypes.DATE, description="First day (Asia/Shanghai)."
    ),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Day after the last day."),
    OpenApiParameter("enterprise", OpenApiTypes.INT),
    OpenApiParameter("reason", OpenApiTypes.STR),
    OpenApiParameter("green_channel", OpenApiTypes.BOOL),
    OpenApiParameter("currency", OpenApiTypes.STR),
    OpenApiParameter("owner", OpenApiTypes.INT),
]


class IsDashboardReader(permissions.BasePermission):
    def has_permission(self, request, view):
        return has_role(request.user, *READER_ROLES)


def _day(value: str | None, fallback: date) -> date:
    if not value:
        return fallback
    parsed = parse_date(value)
    if parsed is None:
        raise InvalidInput(_("Dates are written YYYY-MM-DD."), code="invalid_date")
    return parsed


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def period_from(params) -> tuple[datetime, datetime]:
    today = clock.today()
    start = _day(params.get("start"), today.replace(day=1))
    end = _day(params.get("end"), today + timedelta(days=1))
    if end <= start or (end - start).days > 3660:
        raise InvalidInput(
            _("The period must end after it starts."), code="invalid_period"
        )
    return _moment(start), _moment(end)


def filters_from(params) -> selectors.Filters:
    def integer(name):
        value = params.get(name)
        if value in (None, ""):
            return None
        if not str(value).isdigit():
            raise InvalidInput(_("Filters take whole numbers."), code="invalid_filter")
        return int(value)

    green = params.get("green_channel")
    return selectors.Filters(
        enterprise_id=integer("enterprise"),
        owner_id=integer("owner"),
        reason=params.get("reason") or None,
        currency=params.get("currency") or None,
        green_channel=None
        if green in (None, "")
        else green.lower() in ("1", "true", "yes"),
    )


class DashboardView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsDashboardReader]


class FiguresView(DashboardView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        start, end = period_from(request.query_params)
        filters = filters_from(request.query_params)
        figures = selectors.compare_periods(start, end, filters)
        figures["breakdown"] = {
            dimension: selectors.breakdown(start, end, dimension, filters)
            for dimension in ("reason", "currency", "enterprise")
        }
        figures["sla"] = selectors.sla_breaches(start, end, filters)
        figures["voice"] = selectors.voice_of_enterprises(start, end, filters)
        figures["risk_flags"] = selectors.risk_flags(start, end, filters)
        # Park-wide: the pool pays every case, whatever the filters.
        figures["pool"] = selectors.pool_outlook(12)
        return Response(figures)


class TrendView(DashboardView):
    @extend_schema(
        parameters=[
            OpenApiParameter("months", OpenApiTypes.INT),
            *PERIOD_PARAMETERS[2:],
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        months = min(max(int(request.query_params.get("months", 12) or 12), 1), 36)
        today = clock.today()
        first = date(today.year, today.month, 1)
        for _step in range(months - 1):
            first = (first - timedelta(days=1)).replace(day=1)
        trend = selectors.monthly_trend(
            first, months, filters_from(request.query_params)
        )
        return Response({"months": trend})


class ProcessMapView(DashboardView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        start, end = period_from(request.query_params)
        return Response(
            selectors.process_map(start, end, filters_from(request.query_params))
        )


class StuckCasesView(DashboardView):
    @extend_schema(
        parameters=[OpenApiParameter("state", OpenApiTypes.STR, required=True)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        state = request.query_params.get("state", "")
        if state not in State.values:
            raise InvalidInput(_("Unknown state."), code="invalid_state")
        rows = selectors.stuck_cases(state, filters=filters_from(request.query_params))
        return Response({"state": state, "cases": rows})


class WorkloadView(DashboardView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        start, end = period_from(request.query_params)
        return Response(
            selectors.workload(start, end, filters_from(request.query_params))
        )


def _table(name: str, start, end, filters) -> tuple[list[str], list[list]]:
    if name == "stages":
        rows = selectors.stage_times(start, end, filters)
        return ["state", "cases", "median_hours", "p90_hours"], [
            [row["state"], row["count"], row["median_hours"], row["p90_hours"]]
            for row in rows
        ]
    if name in ("reason", "currency", "enterprise"):
        rows = selectors.breakdown(start, end, name, filters)
        return [name, "cases", "amount_cny"], [
            [row["key"], row["count"], row["amount_cny"]] for row in rows
        ]
    if name == "flows":
        flows = selectors.flows(start, end, filters)
        return ["flow", "cases", "amount_cny"], [
            [flow, value["count"], value["amount_cny"]] for flow, value in flows.items()
        ]
    if name == "trend":
        first = start.date().replace(day=1)
        last = (end - timedelta(microseconds=1)).date()
        count = (last.year - first.year) * 12 + last.month - first.month + 1
        months = selectors.monthly_trend(first, max(count, 1), filters)
        flows = list(selectors.FLOW_STATES)
        return ["month", *flows], [
            [f"{row['month']:%Y-%m}", *(row[flow]["count"] for flow in flows)]
            for row in months
        ]
    if name == "sla":
        rows = selectors.sla_breaches(start, end, filters)
        return ["stage", "ended", "breached", "breach_rate", "overdue_now"], [
            [r["stage"], r["ended"], r["breached"], r["breach_rate"], r["overdue_now"]]
            for r in rows
        ]
    if name == "owners":
        load = selectors.workload(start, end, filters)
        columns = [
            "open",
            "reviewed",
            "review_median_hours",
            "sla_ended",
            "sla_breached",
            "breach_rate",
            "overdue_now",
        ]
        rows = [[row["username"], *(row[c] for c in columns)] for row in load["owners"]]
        team = load["team"]
        rows.append(["team", *(team.get(c, "") for c in columns)])
        return ["owner", *columns], rows
    if name == "flags":
        rows = selectors.risk_flags(start, end, filters)
        return ["rule", "hits", "holds"], [
            [row["rule"], row.get("hits", 0), row.get("holds", 0)] for row in rows
        ]
    raise InvalidInput(_("Unknown table."), code="invalid_table")


EXPORT_TABLES = [
    "flows",
    "stages",
    "reason",
    "currency",
    "enterprise",
    "trend",
    "sla",
    "owners",
    "flags",
]

# What the export answers, by the extension in its path.
EXPORT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ExportView(DashboardView):
    """Every dashboard table as CSV or XLSX."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "table",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=EXPORT_TABLES,
            ),
            OpenApiParameter(
                "file_format",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=list(EXPORT_TYPES),
            ),
            *PERIOD_PARAMETERS,
        ],
        responses={
            (200, content_type): OpenApiTypes.BINARY
            for content_type in EXPORT_TYPES.values()
        },
    )
    def get(self, request, table: str, file_format: str):
        name, media_type, content = table_export(
            table=table, file_format=file_format, params=request.query_params
        )
        response = HttpResponse(content, content_type=media_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def table_export(*, table: str, file_format: str, params) -> tuple[str, str, bytes]:
    """One dashboard table for the period and filters in `params`, as
    (file name, media type, content): what the API answers and what an
    export job keeps."""
    start, end = period_from(params)
    header, rows = _table(table, start, end, filters_from(params))
    name = f"parkportal-{table}-{start:%Y%m%d}-{end:%Y%m%d}.{file_format}"
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        return name, "text/csv; charset=utf-8", buffer.getvalue().encode("utf-8")
    return name, EXPORT_TYPES["xlsx"], _xlsx(header, rows)


def _xlsx(header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(
            [float(cell) if hasattr(cell, "as_tuple") else cell for cell in row]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
