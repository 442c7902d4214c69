"""What every refund page shares: who may open it, how a refusal is shown,
what an enterprise should do next."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.roles import Role, has_role, is_staff_member
from parkportal.core.errors import DomainError
from refunds import selectors
from refunds.models import State

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


def visible_refund(request, pk):
    """The case, or 404 when it does not exist or is not the reader's:
    another enterprise must not even learn that it exists."""
    return get_object_or_404(selectors.refunds_visible_to(request.user), pk=pk)


def case_url(refund) -> str:
    return reverse("refunds:case", args=[refund.pk])


def refused(request, error: DomainError) -> None:
    messages.error(request, str(error.message))


def page_of(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def after_post(request, url):
    """Where a form goes next. Uploads sent by script get the address in a
    header so that the page, not the script, shows the flashed message."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return HttpResponse(status=204, headers={"X-Location": url})
    return redirect(url)


def back_to(request, refund) -> str:
    """Where a form posted from a list returns: the page it names if that
    page is on this site, else the case page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return case_url(refund)


def show_form_errors(request, form) -> None:
    """A form posted from a page section that cannot show errors inline
    reports them as messages on the page it returns to."""
    for problems in form.errors.values():
        for problem in problems:
            messages.error(request, problem)
