"""The finance desk: thin pages over the finance services and selectors.
Every refusal of a service (four eyes, missing cover, a batch already
authorised) comes back as the service's own message."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from finance import selectors
from finance.forecast import pool_forecast_summary
from finance.forms import (
    BatchBuildForm,
    FxImportForm,
    FxRateForm,
    MonthForm,
    ReasonForm,
    ResolveLineForm,
    StatementForm,
    TopUpProposeForm,
)
from finance.models import (
    BatchStatus,
    DisbursementBatch,
    EarmarkStatus,
    LineOutcome,
    TopUpStatus,
)
from finance.models.disbursement import OPEN_PAYMENT_STATUSES
from finance.services.batches import (
    PAYABLE_STATES,
    batch_authorise,
    batch_build,
    batch_cancel,
    batch_export,
)
from finance.services.rates import fx_rate_set, fx_rates_import
from finance.services.reconciliation import (
    statement_import_start,
    statement_line_resolve,
)
from finance.services.reports import report_export_start
from finance.services.top_ups import top_up_confirm, top_up_propose, top_up_reject
from parkportal.accounts.roles import Role
from parkportal.core import clock
from parkportal.core.errors import DomainError
from parkportal.dashboard import charts
from refunds.views.common import page_of, refused, role_required, show_form_errors

FINANCE = (Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR)
LEDGER_PAGE = 50

finance_desk = role_required(*FINANCE)


def _ready_to_pay():
    """Held earmarks of cases waiting for payment and in no live batch:
    what the batch builder offers."""
    return (
        selectors.earmarks(EarmarkStatus.HELD)
        .filter(refund__state__in=PAYABLE_STATES)
        .exclude(refund__payments__status__in=OPEN_PAYMENT_STATUSES)
        .select_related("refund__enterprise")
        .order_by("earmarked_at", "id")
    )


@finance_desk
@require_GET
def desk(request):
    return render(
        request,
        "finance/desk.html",
        {
            "pool": selectors.pool_status(),
            "awaiting": selectors.awaiting_funds()[:20],
            "proposed": selectors.top_ups().filter(status=TopUpStatus.PROPOSED),
            "drafts": selectors.batches().filter(status=BatchStatus.DRAFT),
            "ready_count": _ready_to_pay().count(),
            "open_lines": selectors.lines_needing_a_person().count(),
        },
    )


@finance_desk
@require_GET
def ledger(request):
    # Keyset pages: newest first, each page the entries below the last id
    # seen, so a page stays correct while new entries arrive.
    entries = selectors.ledger_entries()
    before = request.GET.get("before", "")
    if before.isdigit():
        entries = entries.filter(id__lt=int(before))
    rows = list(entries[: LEDGER_PAGE + 1])
    more = len(rows) > LEDGER_PAGE
    rows = rows[:LEDGER_PAGE]
    return render(
        request,
        "finance/ledger.html",
        {
            "entries": rows,
            "next_before": rows[-1].pk if more else None,
            "paged": before.isdigit(),
        },
    )


@finance_desk
def top_ups(request):
    form = TopUpProposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            top_up_propose(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            refused(request, error)
        else:
            messages.success(
                request, _("Top-up proposed. The finance director confirms it.")
            )
            return redirect("finance:top_ups")
    return render(
        request,
        "finance/top_ups.html",
        {
            "form": form,
            "page": page_of(request, selectors.top_ups()),
            "reject_form": ReasonForm(),
        },
    )


@finance_desk
@require_POST
def top_up_decide(request, pk, decision):
    try:
        if decision == "confirm":
            top_up_confirm(top_up_id=pk, actor=request.user)
            messages.success(request, _("Top-up confirmed and booked to the pool."))
        else:
            form = ReasonForm(request.POST)
            if not form.is_valid():
                show_form_errors(request, form)
                return redirect("finance:top_ups")
            top_up_reject(
                top_up_id=pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Top-up rejected."))
    except DomainError as error:
        refused(request, error)
    return redirect("finance:top_ups")


@finance_desk
def batches(request):
    ready = list(_ready_to_pay())
    form = BatchBuildForm(request.POST or None, ready=ready)
    if request.method == "POST" and form.is_valid():
        try:
            batch = batch_build(
                actor=request.user,
                refund_ids=form.cleaned_data["refunds"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            refused(request, error)
        else:
            messages.success(
                request,
                _("Batch %(ref)s built. The finance director authorises it.")
                % {"ref": batch.reference},
            )
            return redirect("finance:batch", pk=batch.pk)
    return render(
        request,
        "finance/batches.html",
        {
            "form": form,
            "ready": ready,
            "page": page_of(request, selectors.batches()),
        },
    )


@finance_desk
@require_GET
def batch(request, pk):
    found = get_object_or_404(selectors.batches(), pk=pk)
    payments = found.payments.select_related("refund__enterprise").order_by("id")
    return render(
        request,
        "finance/batch.html",
        {
            "batch": found,
            "payments": payments,
            "total": sum((p.amount_cny_at_approval for p in payments), 0),
            "same_person": found.built_by_id == request.user.pk,
            "cancel_form": ReasonForm(),
        },
    )


@finance_desk
@require_POST
def batch_decide(request, pk, decision):
    found = get_object_or_404(DisbursementBatch, pk=pk)
    try:
        if decision == "authorise":
            batch_authorise(batch_id=found.pk, actor=request.user)
            messages.success(
                request, _("Batch authorised: its cases are being disbursed.")
            )
        else:
            form = ReasonForm(request.POST)
            if not form.is_valid():
                show_form_errors(request, form)
                return redirect("finance:batch", pk=found.pk)
            batch_cancel(
                batch_id=found.pk,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Batch cancelled."))
    except DomainError as error:
        refused(request, error)
    return redirect("finance:batch", pk=found.pk)


@finance_desk
@require_GET
def batch_file(request, pk, file_format):
    try:
        content, media, name = batch_export(
            batch_id=pk, actor=request.user, file_format=file_format
        )
    except DomainError as error:
        refused(request, error)
        return redirect("finance:batch", pk=pk)
    response = HttpResponse(content, content_type=media)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@finance_desk
def statements(request):
    form = StatementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = statement_import_start(
                actor=request.user,
                content=form.cleaned_data["statement"].read(),
                file_format=form.cleaned_data["file_format"],
            )
        except DomainError as error:
            refused(request, error)
        else:
            return redirect("job", pk=job.pk)
    return render(
        request,
        "finance/statements.html",
        {"form": form, "page": page_of(request, selectors.statements())},
    )


@finance_desk
def reconciliation(request):
    return render(
        request,
        "finance/reconciliation.html",
        {
            "lines": selectors.lines_needing_a_person(),
            "form": ResolveLineForm(),
            "outcomes": LineOutcome,
        },
    )


@finance_desk
@require_POST
def resolve_line(request, pk):
    form = ResolveLineForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("finance:reconciliation")
    try:
        statement_line_resolve(
            line_id=pk, actor=request.user, resolution=form.cleaned_data["resolution"]
        )
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, _("Line resolved."))
    return redirect("finance:reconciliation")


@finance_desk
def rates(request):
    form = FxRateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fx_rate_set(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            refused(request, error)
        else:
            messages.success(request, _("Rate saved."))
            return redirect("finance:rates")
    return render(
        request,
        "finance/rates.html",
        {
            "form": form,
            "import_form": FxImportForm(),
            "page": page_of(request, selectors.fx_rates()),
        },
    )


@finance_desk
@require_POST
def rates_import(request):
    form = FxImportForm(request.POST, request.FILES)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("finance:rates")
    try:
        count = fx_rates_import(
            actor=request.user, content=form.cleaned_data["rates"].read()
        )
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, _("%(count)s rates imported.") % {"count": count})
    return redirect("finance:rates")


@finance_desk
@require_GET
def forecast(request):
    summary = pool_forecast_summary(12)
    labels = [row["week_start"].strftime("%m-%d") for row in summary["weeks"]]
    chart = charts.line_chart(
        labels,
        {
            _("Projected available"): [
                max(row["projected_available"], 0) for row in summary["weeks"]
            ],
            _("Watermark"): [summary["watermark"]] * len(labels),
        },
        title=_("Projected available money of the pool, week by week"),
    )
    return render(
        request, "finance/forecast.html", {"summary": summary, "chart": chart}
    )


def _month(request):
    form = MonthForm(request.GET or {"month": clock.today().strftime("%Y-%m")})
    month = form.cleaned_data["month"] if form.is_valid() else None
    return form, month or clock.today().replace(day=1)


@finance_desk
@require_GET
def reports(request):
    form, month = _month(request)
    return render(
        request,
        "finance/reports.html",
        {
            "form": form,
            "month": month,
            "variance": selectors.fx_variance(month),
            "by_month": selectors.fx_variance_by_month(months=12),
        },
    )


@finance_desk
@require_POST
def report_file(request, file_format):
    """The desk's report buttons start a job that writes the file."""
    form = MonthForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("finance:reports")
    try:
        job = report_export_start(
            actor=request.user,
            month=form.cleaned_data["month"],
            file_format=file_format,
        )
    except DomainError as error:
        refused(request, error)
        return redirect("finance:reports")
    return redirect("job", pk=job.pk)
