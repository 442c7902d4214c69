"""Template helpers shared by every portal page: money in the reader's
language, state badges and the workspaces a person may open."""

import json
from decimal import Decimal, InvalidOperation

from django import template
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.models import mask_account
from parkportal.accounts.roles import Role, has_role, is_staff_member
from refunds.selectors import approval_levels_signed_by

register = template.Library()

CURRENCY_NAMES = {
    "CNY": _("CNY"),
    "USD": _("USD"),
    "EUR": _("EUR"),
    "HKD": _("HKD"),
    "JPY": _("JPY"),
}

STATE_TONES = {
    "draft": "muted",
    "approved": "ok",
    "disbursed": "ok",
    "closed": "ok",
    "info_requested": "warn",
    "on_hold": "warn",
    "disbursement_failed": "bad",
    "rejected": "bad",
    "withdrawn": "muted",
}

RISK_TONES = {"low": "ok", "medium": "warn", "high": "bad"}

# One entry per workspace: who may open it, its url name, title and a line
# saying what it is for. Workspaces of apps still to come join this list.
WORKSPACES = (
    (
        (Role.ENTERPRISE,),
        "refunds:mine",
        _("My refunds"),
        _("Apply for a refund and follow your requests."),
    ),
    (
        (
            Role.OPS_SPECIALIST,
            Role.OPS_MANAGER,
            Role.FINANCE_OFFICER,
            Role.FINANCE_DIRECTOR,
            Role.RISK_OFFICER,
            Role.COMMITTEE,
        ),
        "refunds:staff_list",
        _("Cases"),
        _("Every refund case, filtered by state."),
    ),
    (
        (Role.OPS_MANAGER, Role.FINANCE_DIRECTOR, Role.COMMITTEE),
        "refunds:approvals",
        _("Approvals"),
        _("Cases waiting for your decision."),
    ),
    (
        (Role.COMMITTEE, Role.OPS_MANAGER, Role.FINANCE_DIRECTOR, Role.AUDITOR),
        "dashboard",
        _("Dashboard"),
        _("Cycle times, bottlenecks, workload and the pool, for a period."),
    ),
    (
        (Role.OPS_SPECIALIST, Role.OPS_MANAGER),
        "operations:workspace",
        _("Queues"),
        _("My cases, the team's and the unassigned, nearest deadline first."),
    ),
    (
        (Role.OPS_MANAGER, Role.FINANCE_DIRECTOR, Role.COMMITTEE),
        "operations:delegations",
        _("Delegation"),
        _("Name a substitute to sign approvals while you are away."),
    ),
    (
        (Role.AUDITOR,),
        "refunds:audit_cases",
        _("Audit"),
        _("Read every case and verify the audit trail."),
    ),
    (
        (Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR),
        "finance:desk",
        _("Finance desk"),
        _("The reserve pool, top-ups, batches, statements and the forecast."),
    ),
    (
        (Role.RISK_OFFICER,),
        "risk:holds",
        _("Risk desk"),
        _("Holds to decide, rules and their versions, backtests."),
    ),
    (
        (Role.RISK_OFFICER, Role.AUDITOR),
        "risk:matrix",
        _("Risk-control matrix"),
        _("Each risk with its controls, owners and live figures."),
    ),
)


def workspaces_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    links = [
        {"url": reverse(url_name), "title": title, "summary": summary}
        for roles, url_name, title, summary in WORKSPACES
        if has_role(user, *roles)
    ]
    approvals = reverse("refunds:approvals")
    # A substitute holds no approver role but signs for one for now.
    substitute = (
        is_staff_member(user)
        and all(link["url"] != approvals for link in links)
        and bool(approval_levels_signed_by(user))
    )
    if substitute:
        links.append(
            {
                "url": approvals,
                "title": _("Approvals"),
                "summary": _("Cases waiting for your decision."),
            }
        )
    return links


@register.simple_tag
def workspaces(user):
    return workspaces_for(user)


@register.filter
def money(amount, currency="CNY"):
    """`1234.5|money:"CNY"` reads "CNY 1,234.50" in English and
    "1,234.50 元" in Chinese."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return amount
    formatted = number_format(value, decimal_pos=2, force_grouping=True)
    name = CURRENCY_NAMES.get(currency, currency)
    return _("%(currency)s %(amount)s") % {"currency": name, "amount": formatted}


@register.filter
def currency_name(code):
    return CURRENCY_NAMES.get(code, code)


@register.filter
def state_tone(state):
    return STATE_TONES.get(state, "info")


@register.filter
def risk_tone(level):
    return RISK_TONES.get(level, "muted")


@register.filter
def masked(account_number):
    return mask_account(account_number)


@register.filter
def as_json(value):
    """An audit event's before or after, as compact readable JSON."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
