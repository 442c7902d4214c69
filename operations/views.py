"""The operations pages: the ops workspace queues with reassignment, the
notifications inbox, rating and complaint posts from the enterprise case
page, and approver delegation settings. Thin: forms in, services and
selectors of operations (and refunds' delegations) out, refusals shown as
the DomainError's message."""

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from operations import selectors
from operations.forms import (
    ComplaintForm,
    DelegationForm,
    QueueFilterForm,
    RatingForm,
    ReassignForm,
)
from operations.services.assignment import cases_reassign
from operations.services.feedback import complaint_file, rating_submit
from operations.services.notifications import (
    digests_named_in,
    inbox_mark_read,
    notification_render,
)
from parkportal.accounts.roles import Role, has_role
from parkportal.core import clock
from parkportal.core.errors import DomainError
from refunds.models.case import NO_DEADLINE
from refunds.services.delegations import (
    APPROVAL_ROLES,
    delegation_create,
    delegation_end,
    delegations_of,
)
from refunds.views.common import (
    enterprise_required,
    role_required,
    show_form_errors,
    staff_required,
    visible_refund,
)

PAGE_SIZE = 25
OPS_ROLES = (Role.OPS_SPECIALIST, Role.OPS_MANAGER)


def _filters(form) -> selectors.QueueFilters:
    if not form.is_valid():
        return selectors.QueueFilters()
    data = form.cleaned_data
    green = {"yes": True, "no": False}.get(data["green_channel"])
    return selectors.QueueFilters(
        states=[data["state"]] if data["state"] else [],
        deadline=data["deadline"],
        risk_levels=[data["risk_level"]] if data["risk_level"] else [],
        green_channel=green,
        amount_min=data["amount_min"],
        amount_max=data["amount_max"],
    )


def _after(value: str):
    """The keyset cursor "deadline-ISO|id" of the last row seen, or None
    when absent or not ours."""
    moment, _, pk = value.rpartition("|")
    try:
        return datetime.datetime.fromisoformat(moment), int(pk)
    except ValueError:
        return None


def _cursor(refund) -> str:
    return f"{refund.next_deadline.isoformat()}|{refund.pk}"


def _keyset_page(cases, after):
    if after is not None:
        moment, pk = after
        cases = cases.filter(
            Q(next_deadline__gt=moment) | Q(next_deadline=moment, pk__gt=pk)
        )
    rows = list(cases[: PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _deadline_tone(refund, now, soon) -> str:
    if refund.next_deadline == NO_DEADLINE:
        return ""
    if refund.next_deadline <= now:
        return "overdue"
    if refund.next_deadline <= soon:
        return "due_soon"
    return ""


@role_required(*OPS_ROLES)
@require_GET
def queue(request, name="mine"):
    if name not in selectors.QUEUES:
        name = "mine"
    form = QueueFilterForm(request.GET or None)
    try:
        cases = selectors.queue_cases(
            user=request.user, queue=name, filters=_filters(form)
        )
        counts = selectors.queue_counts(user=request.user)
    except DomainError as error:
        raise PermissionDenied(str(error.message)) from error
    rows, more = _keyset_page(cases, _after(request.GET.get("after", "")))
    now = clock.now()
    soon = now + datetime.timedelta(hours=selectors.conf.due_soon_hours())
    for refund in rows:
        refund.deadline_tone = _deadline_tone(refund, now, soon)
        refund.has_deadline = refund.next_deadline != NO_DEADLINE
    params = request.GET.copy()
    params.pop("after", None)
    next_query = ""
    if more:
        params["after"] = _cursor(rows[-1])
        next_query = params.urlencode()
    manager = has_role(request.user, Role.OPS_MANAGER)
    return render(
        request,
        "operations/queue.html",
        {
            "queue": name,
            "queues": [
                {
                    "name": queue_name,
                    "title": title,
                    "count": counts[queue_name],
                    "url": reverse("operations:queue", args=[queue_name]),
                }
                for queue_name, title in (
                    ("mine", gettext("My cases")),
                    ("team", gettext("Team cases")),
                    ("unassigned", gettext("Unassigned")),
                )
            ],
            "form": form,
            "rows": rows,
            "next_query": next_query,
            "first_query": urlencode(
                {k: v for k, v in request.GET.items() if k != "after"}
            ),
            "paged": "after" in request.GET,
            "manager": manager,
            "reassign_form": ReassignForm(auto_id="reassign_%s") if manager else None,
        },
    )


@role_required(Role.OPS_MANAGER)
@require_POST
def reassign(request):
    ids = [value for value in request.POST.getlist("refunds") if value.isdigit()]
    form = ReassignForm(request.POST, case_ids=[int(value) for value in ids])
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("operations:queue", args=["team"])
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect(back)
    try:
        moved = cases_reassign(
            refund_ids=form.cleaned_data["refunds"],
            owner=form.cleaned_data["owner"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(back)
    messages.success(
        request,
        ngettext(
            "%(count)s case given to %(owner)s.",
            "%(count)s cases given to %(owner)s.",
            len(moved),
        )
        % {"count": len(moved), "owner": form.cleaned_data["owner"]},
    )
    return redirect(back)


@login_required
@require_GET
def inbox(request):
    notifications = list(selectors.inbox(user=request.user)[:100])
    digests = digests_named_in(notifications)
    rows = []
    for notification in notifications:
        subject, body = notification_render(
            notification, language=request.LANGUAGE_CODE, digests=digests
        )
        rows.append({"notification": notification, "subject": subject, "body": body})
    return render(request, "operations/inbox.html", {"rows": rows})


@login_required
@require_POST
def inbox_read(request):
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    try:
        count = inbox_mark_read(user=request.user, notification_ids=ids or None)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s notification marked as read.",
                "%(count)s notifications marked as read.",
                count,
            )
            % {"count": count},
        )
    return redirect("operations:inbox")


@enterprise_required
@require_POST
def rate(request, pk):
    refund = visible_refund(request, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
    else:
        try:
            rating_submit(
                refund_id=refund.pk,
                actor=request.user,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, gettext("Thank you for rating the service."))
    return redirect("refunds:case", pk=refund.pk)


@enterprise_required
@require_POST
def complain(request, pk):
    refund = visible_refund(request, pk)
    form = ComplaintForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
    else:
        try:
            complaint_file(
                refund_id=refund.pk, actor=request.user, body=form.cleaned_data["body"]
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                gettext("Your complaint was filed; the park will answer it."),
            )
    return redirect("refunds:case", pk=refund.pk)


@role_required(*APPROVAL_ROLES)
def delegations(request):
    form = DelegationForm(request.POST or None, user=request.user, auto_id="del_%s")
    if request.method == "POST" and form.is_valid():
        # The service locks the approver's row through its model class; the
        # request's user is a lazy wrapper, so hand it the real row.
        approver = get_user_model().objects.get(pk=request.user.pk)
        try:
            delegation_create(
                delegator=approver,
                delegate=form.cleaned_data["delegate"],
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, gettext("The delegation was saved."))
            return redirect("operations:delegations")
    now = clock.now()
    rows = [
        {"delegation": delegation, "over": delegation.ends_at <= now}
        for delegation in delegations_of(request.user)
    ]
    return render(request, "operations/delegations.html", {"form": form, "rows": rows})


@staff_required
@require_POST
def delegation_stop(request, delegation_id):
    try:
        delegation_end(delegation_id=delegation_id, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, gettext("The delegation was ended."))
    return redirect("operations:delegations")
