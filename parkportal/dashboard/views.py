"""The committee's dashboard page and the printable monthly report."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parkportal.accounts.models import Enterprise
from parkportal.accounts.roles import has_role
from parkportal.core import clock
from parkportal.core.errors import DomainError
from parkportal.dashboard import charts, selectors
from parkportal.dashboard.api import READER_ROLES, filters_from, period_from
from parkportal.dashboard.exports import table_export_start
from refunds.models import Reason, State

# Lazy: the module is imported once, in whatever language is active then,
# and each page needs the labels in its reader's language.
FLOW_LABELS = {
    "received": gettext_lazy("Received"),
    "approved": gettext_lazy("Approved"),
    "paid": gettext_lazy("Paid"),
    "rejected": gettext_lazy("Rejected"),
    "withdrawn": gettext_lazy("Withdrawn"),
}


def _require_reader(request) -> None:
    if not has_role(request.user, *READER_ROLES):
        raise PermissionDenied


def _first_of_months_back(today: date, months: int) -> date:
    first = today.replace(day=1)
    for _step in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _context(request) -> dict:
    start, end = period_from(request.GET)
    filters = filters_from(request.GET)
    comparison = selectors.compare_periods(start, end, filters)
    current, previous = comparison["current"], comparison["previous"]
    trend = selectors.monthly_trend(
        _first_of_months_back(clock.today(), 12), 12, filters
    )
    flow_map = selectors.process_map(start, end, filters)
    stage = request.GET.get("stage")
    return {
        "start": start,
        "end": end - timedelta(days=1),
        "filters": filters,
        "flows": [
            {
                "name": name,
                "label": label,
                "now": current["flows"][name],
                "before": previous["flows"][name],
            }
            for name, label in FLOW_LABELS.items()
        ],
        "current": current,
        "previous": previous,
        "trend": trend,
        "trend_chart": charts.line_chart(
            [f"{row['month']:%m}" for row in trend],
            {
                FLOW_LABELS[name]: [row[name]["count"] for row in trend]
                for name in ("received", "approved", "paid")
            },
            title=_("Cases per month"),
        ),
        "stage_chart": charts.bar_chart(
            [(row["label"], row["median_hours"] or 0) for row in current["stages"]],
            title=_("Median hours in each stage"),
            unit=_("h"),
        ),
        "process_map": charts.process_map(
            flow_map["nodes"],
            flow_map["edges"],
            bottleneck=flow_map["bottleneck"],
            title=_("Process map"),
            link=f"?{_query_without(request, 'stage')}stage=",
        ),
        "bottleneck_label": State(current["bottleneck"]).label
        if current["bottleneck"]
        else "",
        "stage": stage if stage in State.values else None,
        "stuck": selectors.stuck_cases(stage, filters=filters)
        if stage in State.values
        else [],
        "by_reason": _labelled(
            selectors.breakdown(start, end, "reason", filters), Reason
        ),
        "by_currency": selectors.breakdown(start, end, "currency", filters),
        "by_enterprise": selectors.breakdown(start, end, "enterprise", filters)[:10],
        "workload": selectors.workload(start, end, filters),
        "sla": selectors.sla_breaches(start, end, filters),
        "voice": selectors.voice_of_enterprises(start, end, filters),
        "risk_flags": selectors.risk_flags(start, end, filters),
        **_pool(),
        "enterprises": Enterprise.objects.order_by("name").only("id", "name"),
        "owners": get_user_model()
        .objects.filter(owned_refunds__isnull=False)
        .distinct()
        .order_by("username"),
        "reasons": Reason.choices,
        "currencies": settings.SUPPORTED_CURRENCIES,
        "query": request.GET.urlencode(),
    }


def _pool() -> dict:
    outlook = selectors.pool_outlook(12)
    weeks = outlook["forecast"]["weeks"]
    return {
        "pool": outlook["status"],
        "forecast": outlook["forecast"],
        "forecast_chart": charts.line_chart(
            [f"{row['week_start']:%m-%d}" for row in weeks],
            {
                _("Projected available"): [row["projected_available"] for row in weeks],
                _("Watermark"): [outlook["status"]["watermark"]] * len(weeks),
            },
            title=_("Reserve pool: the next 12 weeks"),
        ),
    }


def _labelled(rows: list[dict], choices) -> list[dict]:
    labels = dict(choices.choices)
    return [{**row, "label": labels.get(row["key"], row["key"])} for row in rows]


def _query_without(request, name: str) -> str:
    query = request.GET.copy()
    query.pop(name, None)
    encoded = query.urlencode()
    return f"{encoded}&" if encoded else ""


@login_required
def dashboard(request):
    _require_reader(request)
    try:
        context = _context(request)
    except DomainError as error:
        context = {"error": error.message}
        return render(request, "dashboard/dashboard.html", context, status=400)
    return render(request, "dashboard/dashboard.html", context)


@login_required
@require_POST
def export_start(request, table: str, file_format: str):
    """The page's export buttons: the period and filters come in the
    query string, as on the page; the file is written by a job."""
    _require_reader(request)
    try:
        job = table_export_start(
            actor=request.user, table=table, file_format=file_format, params=request.GET
        )
    except DomainError as error:
        context = {"error": error.message}
        return render(request, "dashboard/dashboard.html", context, status=400)
    return redirect("job", pk=job.pk)


@login_required
def monthly_report(request, year: int, month: int):
    """One month on paper: the same figures, styled for print."""
    _require_reader(request)
    if not 1 <= month <= 12:
        raise PermissionDenied
    query = request.GET.copy()
    first = date(year, month, 1)
    following = (first + timedelta(days=32)).replace(day=1)
    query["start"], query["end"] = first.isoformat(), following.isoformat()
    request.GET = query
    context = _context(request)
    context["report_month"] = first
    return render(request, "dashboard/report.html", context)
