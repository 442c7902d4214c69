"""The refund pages of the portal: the enterprise's own cases, the staff
case page, the approvals inbox and the auditor's reading room.

Each view checks who is asking, validates a form, calls one service and
shows what it refused as a message on the page.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from parkportal.accounts.roles import Role, has_role, is_staff_member
from parkportal.core.errors import DomainError
from refunds import rules, selectors
from refunds.forms import (
    ApplyForm,
    AuditTrailFilterForm,
    CaseFilterForm,
    DecisionForm,
    DocumentForm,
    MessageForm,
    TransitionForm,
)
from refunds.models import Document, DocumentKind, State
from refunds.services.audit import audit_verify
from refunds.services.cases import refund_create, refund_update_draft
from refunds.services.documents import (
    ENTERPRISE_UPLOAD_STATES,
    document_readable_by,
    document_upload,
)
from refunds.services.lifecycle import available_transitions, refund_transition
from refunds.services.messages import message_post

PAGE_SIZE = 25

# What the enterprise should expect or do next, by state.
NEXT_STEPS = {
    State.DRAFT: _("Add the required documents, then submit the request."),
    State.SUBMITTED: _("The park is screening your request."),
    State.UNDER_REVIEW: _("An operations specialist is reviewing your request."),
    State.INFO_REQUESTED: _("The park asked for more information: please answer."),
    State.ON_HOLD: _("Your request is being checked; no action is needed."),
    State.PENDING_APPROVAL: _("Your request is waiting for approval."),
    State.APPROVED: _("Approved: the payment will be scheduled."),
    State.DISBURSING: _("The payment is on its way to your bank."),
    State.DISBURSED: _("The money was paid; the case will be closed."),
    State.CLOSED: _("Done: the case is closed."),
    State.REJECTED: _("The request was rejected."),
    State.WITHDRAWN: _("You withdrew the request."),
    State.DISBURSEMENT_FAILED: _("The payment failed; the park will retry it."),
}

TRANSITION_LABELS = {
    "submit": _("Submit the request"),
    "request_info": _("Request information"),
    "respond": _("Send the answer"),
    "hold": _("Put on hold"),
    "clear": _("Clear the hold"),
    "forward": _("Forward for approval"),
    "approve": _("Approve"),
    "reject": _("Reject"),
    "send_back": _("Send back"),
    "schedule": _("Schedule the payment"),
    "confirm_paid": _("Confirm the payment"),
    "mark_failed": _("Mark the payment failed"),
    "retry": _("Retry the payment"),
    "close": _("Close the case"),
    "withdraw": _("Withdraw the request"),
}
# Steps whose service refuses an empty comment.
COMMENT_REQUIRED = frozenset(
    {"request_info", "respond", "hold", "clear", "reject", "send_back", "mark_failed"}
)
# Steps decided through the approval form rather than their own button.
APPROVAL_DECISIONS = frozenset({"approve", "send_back"})
DANGEROUS = frozenset({"withdraw", "reject"})

# Staff who may write on a case; the auditor only reads.
MESSAGE_ROLES = (
    Role.OPS_SPECIALIST,
    Role.OPS_MANAGER,
    Role.RISK_OFFICER,
    Role.FINANCE_OFFICER,
    Role.FINANCE_DIRECTOR,
    Role.COMMITTEE,
)

CHAIN_PROBLEMS = {
    "missing seal": _("A seal is missing from the chain."),
    "seal does not follow the previous one": _(
        "A seal does not follow the one before it."
    ),
    "event content changed": _("An event was changed after it was sealed."),
}


def enterprise_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not has_role(request.user, Role.ENTERPRISE) or not request.user.enterprise:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def role_required(*roles):
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _visible_refund(request, pk):
    """The case, or 404 when it does not exist or is not the reader's:
    another enterprise must not even learn that it exists."""
    return get_object_or_404(selectors.refunds_visible_to(request.user), pk=pk)


def _case_url(refund) -> str:
    return reverse("refunds:case", args=[refund.pk])


def _refused(request, error: DomainError) -> None:
    messages.error(request, str(error.message))


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _after_post(request, url):
    """Where a form goes next. Uploads sent by script get the address in a
    header so that the page, not the script, shows the flashed message."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return HttpResponse(status=204, headers={"X-Location": url})
    return redirect(url)


# Enterprise pages.


@enterprise_required
@require_GET
def my_refunds(request):
    refunds = selectors.refunds_visible_to(request.user).order_by("-id")
    page = _page(request, refunds)
    rows = [{"refund": refund, "next": NEXT_STEPS[refund.state]} for refund in page]
    return render(request, "refunds/my_refunds.html", {"page": page, "rows": rows})


def _apply_errors_from(form, error: DomainError) -> None:
    fields = error.details if isinstance(error.details, dict) else {}
    placed = False
    for field, problems in fields.items():
        if field in form.fields:
            for problem in problems:
                form.add_error(field, problem)
            placed = True
    if not placed:
        form.add_error(None, str(error.message))


@enterprise_required
def apply(request):
    form = ApplyForm(request.POST or None, enterprise=request.user.enterprise)
    if request.method == "POST" and form.is_valid():
        try:
            refund = refund_create(applicant=request.user, **form.service_values())
        except DomainError as error:
            _apply_errors_from(form, error)
        else:
            messages.success(
                request,
                gettext("Draft %(reference)s saved. Now add the documents.")
                % {"reference": refund.reference},
            )
            return redirect(_case_url(refund))
    return render(request, "refunds/apply.html", {"form": form, "refund": None})


@enterprise_required
@require_POST
def apply_check(request):
    """Inline validation while the form is filled in: errors only for the
    fields already given, so untouched ones are not scolded."""
    form = ApplyForm(request.POST, enterprise=request.user.enterprise)
    form.is_valid()
    for name in list(form.errors):
        if name != "__all__" and not request.POST.get(name):
            del form.errors[name]
    form.errors.pop("__all__", None)
    return render(request, "refunds/includes/apply_form.html", {"form": form})


@enterprise_required
def edit_draft(request, pk):
    refund = _visible_refund(request, pk)
    if refund.state != State.DRAFT:
        messages.error(request, gettext("Only a draft can be edited."))
        return redirect(_case_url(refund))
    initial = {
        "contract": refund.contract_id,
        "reason": refund.reason,
        "amount": refund.amount,
        "description": refund.description,
        "payee_name": refund.payee_name,
        "payee_bank": refund.payee_bank,
        "payee_account": refund.payee_account,
    }
    form = ApplyForm(
        request.POST or None, enterprise=request.user.enterprise, initial=initial
    )
    if not form.is_bound:
        form.initial["payee"] = next(
            (
                key
                for key, account in form.accounts.items()
                if account.account_number == refund.payee_account
            ),
            "new",
        )
    if request.method == "POST" and form.is_valid():
        try:
            refund_update_draft(
                refund_id=refund.pk, actor=request.user, **form.service_values()
            )
        except DomainError as error:
            _apply_errors_from(form, error)
        else:
            messages.success(request, gettext("The draft was saved."))
            return redirect(_case_url(refund))
    return render(request, "refunds/apply.html", {"form": form, "refund": refund})


def _document_slots(refund):
    """One row per kind the reason requires, saying whether it is there."""
    present = {}
    for document in refund.documents.all():
        present.setdefault(document.kind, []).append(document)
    labels = dict(DocumentKind.choices)
    required = rules.REQUIRED_DOCUMENTS[refund.reason]
    return [
        {"kind": kind, "label": labels[kind], "documents": present.get(kind, [])}
        for kind in required
    ]


def _action_forms(refund, user):
    names = available_transitions(refund, user)
    return [
        {
            "name": name,
            "label": TRANSITION_LABELS[name],
            "needs_comment": name in COMMENT_REQUIRED,
            "dangerous": name in DANGEROUS,
        }
        for name in names
        if name not in APPROVAL_DECISIONS
        and not (name == "reject" and "approve" in names)
    ], names


def _case_context(request, refund):
    user = request.user
    actions, names = _action_forms(refund, user)
    timeline = selectors.timeline_for(refund, user)
    requests = [entry for entry in timeline if entry["kind"] == "request_info"]
    return {
        "refund": refund,
        "timeline": timeline,
        "info_request": requests[-1] if requests else None,
        "thread": selectors.messages_for(refund, user),
        "documents": refund.documents.select_related("uploaded_by"),
        "slots": _document_slots(refund),
        "missing": rules.missing_documents(refund),
        "actions": actions,
        "may_decide": "approve" in names,
        "next_step": NEXT_STEPS[refund.state],
        "message_form": MessageForm(auto_id="message_%s"),
        "document_kinds": DocumentKind.choices,
        "upload_help": DocumentForm.base_fields["file"].help_text,
    }


def _staff_context(request, refund):
    context = _case_context(request, refund)
    step = refund.current_step()
    user = request.user
    context.update(
        {
            "remaining": rules.contract_remaining(refund),
            "within_contract": rules.within_contract(refund),
            "payee_verified": selectors.payee_is_verified(refund),
            "steps": refund.approval_steps.filter(
                round=refund.approval_round
            ).select_related("decided_by", "on_behalf_of"),
            "current_step": step,
            "may_post": has_role(user, *MESSAGE_ROLES),
            "is_auditor": has_role(user, Role.AUDITOR),
            "may_upload": has_role(user, Role.OPS_SPECIALIST, Role.OPS_MANAGER)
            and refund.state not in (State.CLOSED, State.REJECTED, State.WITHDRAWN),
            "decision_form": DecisionForm(auto_id="decision_%s"),
        }
    )
    return context


@login_required
@require_GET
def case(request, pk):
    refund = _visible_refund(request, pk)
    if has_role(request.user, Role.ENTERPRISE):
        context = _case_context(request, refund)
        context["may_upload"] = refund.state in ENTERPRISE_UPLOAD_STATES
        return render(request, "refunds/case_enterprise.html", context)
    return render(request, "refunds/case_staff.html", _staff_context(request, refund))


@login_required
@require_POST
def upload(request, pk):
    refund = _visible_refund(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return _after_post(request, _case_url(refund))
    try:
        document = document_upload(
            refund_id=refund.pk,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            uploaded_file=form.cleaned_data["file"],
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            gettext("%(name)s was added.") % {"name": document.original_name},
        )
    return _after_post(request, _case_url(refund))


@login_required
@require_GET
def download(request, pk, document_pk):
    refund = _visible_refund(request, pk)
    document = get_object_or_404(Document, pk=document_pk, refund=refund)
    if not document_readable_by(document, request.user):
        raise Http404
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def post_message(request, pk):
    refund = _visible_refund(request, pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("The message is empty."))
        return redirect(_case_url(refund))
    try:
        message_post(
            refund_id=refund.pk,
            author=request.user,
            body=form.cleaned_data["body"],
            internal=form.cleaned_data["internal"],
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, gettext("Your message was posted."))
    return redirect(_case_url(refund) + "#messages")


@login_required
@require_POST
def transition(request, pk, name):
    refund = _visible_refund(request, pk)
    form = TransitionForm(request.POST)
    form.is_valid()
    try:
        refund = refund_transition(
            refund_id=refund.pk,
            name=name,
            actor=request.user,
            comment=form.cleaned_data.get("comment", ""),
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            gettext("Done. The case is now “%(state)s”.")
            % {"state": refund.get_state_display()},
        )
    return redirect(request.POST.get("next") or _case_url(refund))


@login_required
@require_POST
def decide(request, pk):
    refund = _visible_refund(request, pk)
    form = DecisionForm(request.POST)
    back = request.POST.get("next") or _case_url(refund)
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return redirect(back)
    decision = form.cleaned_data["decision"]
    extra = {}
    if decision == DecisionForm.APPROVE and form.cleaned_data["amount"] is not None:
        extra["amount"] = form.cleaned_data["amount"]
    try:
        refund = refund_transition(
            refund_id=refund.pk,
            name=decision,
            actor=request.user,
            comment=form.cleaned_data["comment"],
            **extra,
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            gettext(
                "%(reference)s: your decision was recorded; the case is now “%(state)s”."
            )
            % {"reference": refund.reference, "state": refund.get_state_display()},
        )
    return redirect(back)


# Staff pages.


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
            "page": _page(request, refunds),
            "query": _query_without_page(request),
        },
    )


@role_required(Role.OPS_MANAGER, Role.FINANCE_DIRECTOR, Role.COMMITTEE)
@require_GET
def approvals(request):
    rows = []
    for step in selectors.approval_steps_waiting_for(request.user):
        rows.append(
            {
                "step": step,
                "refund": step.refund,
                "earlier": selectors.earlier_decisions(step),
                "denial": rules.approver_denial(step.refund, request.user),
            }
        )
    return render(request, "refunds/approvals.html", {"rows": rows})


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
            "page": _page(request, refunds),
            "query": _query_without_page(request),
        },
    )


@role_required(Role.AUDITOR)
@require_GET
def audit_trail(request):
    form = AuditTrailFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_events_search(**filters)
    report = audit_verify()
    return render(
        request,
        "refunds/audit_trail.html",
        {
            "form": form,
            "page": _page(request, events),
            "report": report,
            "problem": CHAIN_PROBLEMS.get(report.problem, report.problem),
            "query": _query_without_page(request),
        },
    )
