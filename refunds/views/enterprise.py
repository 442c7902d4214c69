"""The enterprise's own pages: its refunds, and applying for one."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from parkportal.core.errors import DomainError
from refunds import selectors
from refunds.forms import (
    ApplyForm,
)
from refunds.models import State
from refunds.services.cases import refund_create, refund_update_draft
from refunds.views.common import (
    NEXT_STEPS,
    case_url,
    enterprise_required,
    page_of,
    visible_refund,
)


@enterprise_required
@require_GET
def my_refunds(request):
    refunds = selectors.refunds_visible_to(request.user).order_by("-id")
    page = page_of(request, refunds)
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
            return redirect(case_url(refund))
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
    refund = visible_refund(request, pk)
    if refund.state != State.DRAFT:
        messages.error(request, gettext("Only a draft can be edited."))
        return redirect(case_url(refund))
    form = ApplyForm.for_draft(
        refund, data=request.POST or None, enterprise=request.user.enterprise
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
            return redirect(case_url(refund))
    return render(request, "refunds/apply.html", {"form": form, "refund": refund})
