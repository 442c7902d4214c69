"""The risk desk: holds to decide, rules and their versions, backtests and
the risk-control matrix. Thin pages over the risk services and selectors;
a refusal of a service is shown with its own message."""

import json
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parkportal.accounts.roles import Role, has_role
from parkportal.core import clock
from parkportal.core.errors import DomainError
from refunds.views.common import page_of, refused, role_required, show_form_errors
from risk import selectors
from risk.forms import BacktestForm, DecisionForm, NewVersionForm
from risk.models import Backtest, Hold, HoldStatus, Rule, render_message
from risk.rules import rule_type
from risk.selectors import MATRIX_DAYS
from risk.services.backtests import backtest_start
from risk.services.holds import hold_clear, hold_reject
from risk.services.rules import rule_activate_version, rule_new_version

risk_desk = role_required(Role.RISK_OFFICER)


def _type_label(rule: Rule) -> str:
    try:
        return rule_type(rule.rule_type).label
    except DomainError:
        return rule.rule_type


@risk_desk
@require_GET
def holds(request):
    rows = [
        {"hold": hold, "reasons": selectors.hold_reasons(hold)}
        for hold in selectors.holds_open()
    ]
    decided = (
        Hold.objects.exclude(status=HoldStatus.OPEN)
        .select_related("refund", "decided_by")
        .order_by("-decided_at", "-id")[:10]
    )
    return render(
        request,
        "risk/holds.html",
        {"rows": rows, "decided": decided, "form": DecisionForm()},
    )


@risk_desk
@require_POST
def hold_decide(request, pk, decision):
    form = DecisionForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("risk:holds")
    decide = hold_clear if decision == "clear" else hold_reject
    try:
        hold = decide(
            hold_id=pk, actor=request.user, comment=form.cleaned_data["comment"]
        )
    except DomainError as error:
        refused(request, error)
    else:
        done = (
            _("Hold on %(ref)s cleared: the case goes on.")
            if decision == "clear"
            else _("%(ref)s rejected.")
        )
        messages.success(request, done % {"ref": hold.refund.reference})
    return redirect("risk:holds")


@risk_desk
@require_GET
def rules(request):
    found = Rule.objects.select_related("live_version", "owner").order_by(
        "category", "code"
    )
    return render(
        request,
        "risk/rules.html",
        {"rules": [{"rule": rule, "type": _type_label(rule)} for rule in found]},
    )


def _rule_context(rule, *, version_form=None, backtest_form=None) -> dict:
    versions = list(rule.versions.select_related("created_by").order_by("-number"))
    base = rule.live_version or (versions[0] if versions else None)
    initial = {
        "parameters": json.dumps(base.parameters if base else {}, indent=2),
        "score": base.score if base else None,
    }
    today = clock.today()
    return {
        "rule": rule,
        "type": _type_label(rule),
        "versions": versions,
        "version_form": version_form or NewVersionForm(initial=initial),
        "backtest_form": backtest_form
        or BacktestForm(
            versions=versions,
            initial={"start": today - timedelta(days=90), "end": today},
        ),
        "backtests": rule.backtests.select_related("candidate", "baseline")[:10],
    }


@risk_desk
@require_GET
def rule(request, pk):
    found = get_object_or_404(Rule.objects.select_related("live_version"), pk=pk)
    return render(request, "risk/rule.html", _rule_context(found))


@risk_desk
@require_POST
def rule_version(request, pk):
    found = get_object_or_404(Rule, pk=pk)
    form = NewVersionForm(request.POST)
    if form.is_valid():
        try:
            version = rule_new_version(
                rule_id=found.pk, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            refused(request, error)
        else:
            messages.success(
                request,
                _("Version %(number)s written.") % {"number": version.number},
            )
            return redirect("risk:rule", pk=found.pk)
    return render(request, "risk/rule.html", _rule_context(found, version_form=form))


@risk_desk
@require_POST
def version_activate(request, pk, version_pk):
    try:
        version = rule_activate_version(version_id=version_pk, actor=request.user)
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(
            request, _("Version %(number)s is live.") % {"number": version.number}
        )
    return redirect("risk:rule", pk=pk)


def _day_start(day):
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


@risk_desk
@require_POST
def backtest(request, pk):
    found = get_object_or_404(Rule, pk=pk)
    form = BacktestForm(request.POST, versions=found.versions.order_by("-number"))
    if form.is_valid():
        try:
            job = backtest_start(
                version_id=form.cleaned_data["version"],
                actor=request.user,
                start=_day_start(form.cleaned_data["start"]),
                # The last day counts whole.
                end=_day_start(form.cleaned_data["end"] + timedelta(days=1)),
            )
        except DomainError as error:
            refused(request, error)
        else:
            return redirect("job", pk=job.pk)
    return render(request, "risk/rule.html", _rule_context(found, backtest_form=form))


@risk_desk
@require_GET
def backtest_result(request, pk):
    found = get_object_or_404(
        Backtest.objects.select_related("rule", "candidate", "baseline"), pk=pk
    )
    cases = found.results.select_related("refund").exclude(
        candidate_status="no_hit", baseline_status__in=["no_hit", ""]
    )
    page = page_of(request, cases)
    rows = [
        {
            "case": case,
            "candidate": render_message(case.candidate_message, case.candidate_params),
            "baseline": render_message(case.baseline_message, case.baseline_params)
            if case.baseline_status
            else "",
            "differs": case.candidate_status != case.baseline_status,
        }
        for case in page
    ]
    return render(
        request,
        "risk/backtest.html",
        {"backtest": found, "rows": rows, "page": page},
    )


@role_required(Role.RISK_OFFICER, Role.AUDITOR)
@require_GET
def matrix(request):
    return render(
        request,
        "risk/matrix.html",
        {
            "matrix": selectors.control_matrix(),
            "days": MATRIX_DAYS,
            # An auditor reads the matrix but works no other risk page.
            "reader_only": not has_role(request.user, Role.RISK_OFFICER),
        },
    )
