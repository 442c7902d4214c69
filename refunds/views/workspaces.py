"""Staff workspaces: the case list, the approvals inbox and the
auditor's reading room."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from parkportal.accounts.roles import Role
from refunds import rules, selectors
from refunds.forms import (
    AuditTrailFilterForm,
    CaseFilterForm,
)
from refunds.services.audit import audit_chain_verify_start
from refunds.views.common import (
    PAGE_SIZE,
    page_of,
    query_without_page,
    role_required,
    staff_required,
)

CHAIN_PROBLEMS = {
    "missing seal": _("A seal is missing from the chain."),
    "seal does not follow the previous one": _(
        "A seal does not follow the one before it."
    ),
    "event content changed": _("An event was changed after it was sealed."),
}


@staff_required
@require_GET
def staff_list(request):
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    refunds = selectors.refunds_search(
        request.user, query=filters.get("q", ""), state=filters.get("state", "")
    )
    return render(
        request,
        "refunds/staff_list.html",
        {
            "form": form,
            "page": page_of(request, refunds),
            "query": query_without_page(request),
        },
    )


@staff_required
@require_GET
def approvals(request):
    # Open to every staff member: a substitute signs for an approver
    # without holding the approver's role.
    paginator = Paginator(selectors.approval_steps_waiting_for(request.user), PAGE_SIZE)
    paginator.count = selectors.approval_steps_waiting_count(request.user)
    page = paginator.get_page(request.GET.get("page"))
    selectors.prefetch_round_steps([step.refund for step in page])
    rows = [
        {
            "step": step,
            "refund": step.refund,
            "earlier": selectors.earlier_decisions_among(step),
            "denial": rules.approver_denial(step.refund, request.user),
        }
        for step in page
    ]
    return render(
        request,
        "refunds/approvals.html",
        {"rows": rows, "page": page, "query": query_without_page(request)},
    )


@role_required(Role.AUDITOR)
@require_GET
def audit_cases(request):
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    refunds = selectors.refunds_search(
        request.user, query=filters.get("q", ""), state=filters.get("state", "")
    )
    return render(
        request,
        "refunds/audit_cases.html",
        {
            "form": form,
            "page": page_of(request, refunds),
            "query": query_without_page(request),
        },
    )


@role_required(Role.AUDITOR)
@require_GET
def audit_trail(request):
    form = AuditTrailFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_events_search(**filters)
    verification = selectors.latest_chain_verification()
    return render(
        request,
        "refunds/audit_trail.html",
        {
            "form": form,
            "page": page_of(request, events),
            "verification": verification,
            "problem": verification
            and CHAIN_PROBLEMS.get(verification.problem, verification.problem),
            "query": query_without_page(request),
        },
    )


@role_required(Role.AUDITOR)
@require_POST
def audit_verify_start(request):
    job = audit_chain_verify_start(actor=request.user)
    return redirect("job", pk=job.pk)
