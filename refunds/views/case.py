"""The case page and everything posted from it: documents, messages,
steps of the lifecycle and approval decisions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from parkportal.accounts.roles import Role, has_role
from parkportal.core.errors import DomainError
from refunds import rules, selectors
from refunds.forms import (
    DecisionForm,
    DocumentForm,
    MessageForm,
    TransitionForm,
)
from refunds.models import Document, DocumentKind
from refunds.models.case import FINAL_STATES
from refunds.services.documents import (
    ENTERPRISE_UPLOAD_STATES,
    document_readable_by,
    document_upload,
)
from refunds.services.lifecycle import available_transitions, refund_transition
from refunds.services.messages import message_post
from refunds.views.common import (
    NEXT_STEPS,
    after_post,
    back_to,
    case_url,
    refused,
    show_form_errors,
    visible_refund,
)

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
# Steps whose service refuses an empty comment, with the question the
# comment answers.
COMMENT_LABELS = {
    "request_info": _("What should the enterprise send?"),
    "respond": _("Your answer"),
    "hold": _("Reason for this step"),
    "clear": _("Reason for this step"),
    "reject": _("Reason for this step"),
    "send_back": _("Reason for this step"),
    "mark_failed": _("What the bank said"),
}
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
            "comment_label": COMMENT_LABELS.get(name, ""),
            "dangerous": name in DANGEROUS,
        }
        for name in names
        if name not in APPROVAL_DECISIONS
        and not (name == "reject" and "approve" in names)
    ], names


def _case_context(request, refund):
    user = request.user
    actions, names = _action_forms(refund, user)
    timeline = selectors.timeline_for(refund.pk, user)
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
            and refund.state not in FINAL_STATES,
            "decision_form": DecisionForm(auto_id="decision_%s"),
        }
    )
    return context


@login_required
@require_GET
def case(request, pk):
    refund = visible_refund(request, pk)
    if has_role(request.user, Role.ENTERPRISE):
        context = _case_context(request, refund)
        context["may_upload"] = refund.state in ENTERPRISE_UPLOAD_STATES
        return render(request, "refunds/case_enterprise.html", context)
    return render(request, "refunds/case_staff.html", _staff_context(request, refund))


@login_required
@require_POST
def upload(request, pk):
    refund = visible_refund(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        show_form_errors(request, form)
        return after_post(request, case_url(refund))
    try:
        document = document_upload(
            refund_id=refund.pk,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            uploaded_file=form.cleaned_data["file"],
        )
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(
            request,
            gettext("%(name)s was added.") % {"name": document.original_name},
        )
    return after_post(request, case_url(refund))


@login_required
@require_GET
def download(request, pk, document_pk):
    refund = visible_refund(request, pk)
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
    refund = visible_refund(request, pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("The message is empty."))
        return redirect(case_url(refund))
    try:
        message_post(
            refund_id=refund.pk,
            author=request.user,
            body=form.cleaned_data["body"],
            internal=form.cleaned_data["internal"],
        )
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, gettext("Your message was posted."))
    return redirect(case_url(refund) + "#messages")


@login_required
@require_POST
def transition(request, pk, name):
    refund = visible_refund(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect(back_to(request, refund))
    try:
        refund = refund_transition(
            refund_id=refund.pk,
            name=name,
            actor=request.user,
            comment=form.cleaned_data["comment"],
        )
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(
            request,
            gettext("Done. The case is now “%(state)s”.")
            % {"state": refund.get_state_display()},
        )
    return redirect(back_to(request, refund))


@login_required
@require_POST
def decide(request, pk):
    refund = visible_refund(request, pk)
    form = DecisionForm(request.POST)
    back = back_to(request, refund)
    if not form.is_valid():
        show_form_errors(request, form)
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
        refused(request, error)
    else:
        messages.success(
            request,
            gettext(
                "%(reference)s: your decision was recorded; the case is now “%(state)s”."
            )
            % {"reference": refund.reference, "state": refund.get_state_display()},
        )
    return redirect(back)
