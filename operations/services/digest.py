"""The weekly agenda of the finance and operations joint meeting
(财务运营联席会议).

Pool status, forecast and risk flags come from the finance and risk apps
when they are installed; operations only reads them, and the agenda still
goes out without those sections when an app is missing.
"""

import datetime
import importlib
import importlib.util
import json
import logging

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from operations.models import StageClock, WeeklyDigest
from operations.services.alerts import people_with_role
from operations.services.calendar import calendar_years_missing
from operations.services.notifications import notify
from parkportal.accounts.roles import Role
from parkportal.core import clock
from refunds.models import RefundRequest, State
from refunds.models.case import OPEN_STATES

logger = logging.getLogger(__name__)

FINANCE_STATES = (State.APPROVED, State.DISBURSING, State.DISBURSEMENT_FAILED)
DIGEST_ROLES = (Role.OPS_MANAGER, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR)
SECTION_LIMIT = 20


def _case_row(refund: RefundRequest, **extra) -> dict:
    return {
        "id": refund.pk,
        "reference": refund.reference,
        "enterprise": refund.enterprise.name,
        "state": refund.state,
        "amount": str(refund.amount),
        "currency": refund.currency,
        "owner": str(refund.owner) if refund.owner else "",
        "submitted_at": refund.submitted_at.isoformat() if refund.submitted_at else "",
        **extra,
    }


def overdue_cases(now) -> list[dict]:
    overdue = (
        StageClock.objects.filter(ended_at__isnull=True, deadline__lte=now)
        .select_related("refund__enterprise", "refund__owner")
        .order_by("deadline")
    )
    return [
        _case_row(c.refund, stage=c.stage, deadline=c.deadline.isoformat())
        for c in overdue[:SECTION_LIMIT]
    ]


def finance_cases() -> list[dict]:
    waiting = (
        RefundRequest.objects.filter(state__in=FINANCE_STATES)
        .select_related("enterprise", "owner")
        .order_by("state_changed_at", "id")
    )
    return [_case_row(refund) for refund in waiting[:SECTION_LIMIT]]


def longest_waiting(now) -> list[dict]:
    waiting = (
        RefundRequest.objects.filter(state__in=OPEN_STATES, submitted_at__isnull=False)
        .select_related("enterprise", "owner")
        .order_by("submitted_at", "id")
    )
    return [
        _case_row(refund, days_open=(now - refund.submitted_at).days)
        for refund in waiting[:SECTION_LIMIT]
    ]


def _plain(value):
    """Whatever another app answers, as JSON-ready data."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, default=str))


def _optional_section(module_name: str, function_name: str, **kwargs):
    """Call another app's read function if that app is installed. The
    finance and risk apps may be absent in a partial deployment."""
    if importlib.util.find_spec(module_name.split(".")[0]) is None:
        return None
    try:
        if importlib.util.find_spec(module_name) is None:
            return None
    except ModuleNotFoundError:
        return None
    function = getattr(importlib.import_module(module_name), function_name, None)
    if function is None:
        return None
    try:
        return _plain(function(**kwargs))
    except Exception:
        # A broken section must not stop the meeting's agenda.
        logger.exception("digest section %s.%s failed", module_name, function_name)
        return None


def digest_content(now) -> dict:
    return {
        "overdue": overdue_cases(now),
        "waiting_on_finance": finance_cases(),
        "waiting_longest": longest_waiting(now),
        "pool_status": _optional_section("finance.selectors", "pool_status"),
        "pool_forecast": _optional_section(
            "finance.forecast", "pool_forecast", weeks=12
        ),
        "top_risk_flags": _optional_section("risk.selectors", "top_flags", limit=10),
        "calendar_missing_years": calendar_years_missing(),
        "open_cases": RefundRequest.objects.filter(state__in=OPEN_STATES).count(),
        "oldest_submission": _iso(
            RefundRequest.objects.filter(state__in=OPEN_STATES).aggregate(
                first=Min("submitted_at")
            )["first"]
        ),
    }


def _iso(moment):
    return moment.isoformat() if moment else None


def week_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def digest_prepare(*, now=None) -> WeeklyDigest | None:
    """Prepare this week's agenda once and mail it to the meeting's
    members; a second run in the same week does nothing."""
    now = now or clock.now()
    week = week_of(timezone.localdate(now))
    with transaction.atomic():
        try:
            with transaction.atomic():
                digest = WeeklyDigest.objects.create(
                    week_start=week, content=digest_content(now)
                )
        except IntegrityError:
            return None
        params = {
            "week": week.isoformat(),
            "overdue": len(digest.content["overdue"]),
            "finance": len(digest.content["waiting_on_finance"]),
            "digest": digest.pk,
        }
        for recipient in digest_recipients():
            notify(recipient=recipient, kind="digest", params=params)
        digest.notified_at = now
        digest.save(update_fields=["notified_at"])
    logger.info("joint meeting agenda %s prepared", digest.pk)
    return digest


def digest_recipients() -> list:
    seen = {}
    for role in DIGEST_ROLES:
        for user in people_with_role(role):
            seen.setdefault(user.pk, user)
    return list(seen.values())


def _lines(title, rows, describe) -> list[str]:
    lines = ["", title]
    lines += [f"- {describe(row)}" for row in rows] or ["- " + _("none")]
    return lines


def _optional_lines(title, rows, describe) -> list[str]:
    """A section another app fills in; absent when that app is not."""
    if rows is None:
        return ["", title, _("not available")]
    return _lines(title, rows, describe)


def _pool_lines(status, forecast) -> list[str]:
    if status is None:
        return ["", _("Reserve pool"), _("not available")]
    lines = [
        "",
        _("Reserve pool"),
        _(
            "Balance %(balance)s, earmarked %(earmarked)s, available "
            "%(available)s %(currency)s; low watermark %(watermark)s."
        )
        % status,
    ]
    if status["awaiting_funds_count"]:
        lines.append(
            _("%(count)s approved cases wait for %(amount)s %(currency)s.")
            % {
                "count": status["awaiting_funds_count"],
                "amount": status["awaiting_funds_amount"],
                "currency": status["currency"],
            }
        )

    def week(row):
        text = _("Week of %(week)s: available %(available)s, balance %(balance)s") % {
            "week": row["week_start"],
            "available": row["projected_available"],
            "balance": row["projected_balance"],
        }
        if row["below_zero"]:
            return text + " " + _("(below zero)")
        if row["below_watermark"]:
            return text + " " + _("(below the watermark)")
        return text

    return lines + _optional_lines(_("Pool forecast, 12 weeks"), forecast, week)


def digest_as_text(digest: WeeklyDigest) -> str:
    """The agenda as plain text for the e-mail, in the active language."""
    content = digest.content

    def case(row):
        return (
            f"{row['reference']} {row['enterprise']} {row['amount']} {row['currency']}"
        )

    lines = _lines(_("Overdue cases"), content["overdue"], case)
    lines += _lines(_("Waiting on finance"), content["waiting_on_finance"], case)
    lines += _lines(
        _("Waiting longest"),
        content["waiting_longest"],
        lambda row: (
            _("%(case)s, %(days)s days open")
            % {"case": case(row), "days": row["days_open"]}
        ),
    )
    missing = content.get("calendar_missing_years")
    if missing:
        lines += [
            "",
            _("Business calendar"),
            _(
                "No public holidays are loaded for %(years)s: deadlines there "
                "count every weekday as worked. Load the State Council's "
                "notice with manage.py load_holidays."
            )
            % {"years": ", ".join(str(year) for year in missing)},
        ]
    lines += _pool_lines(content.get("pool_status"), content.get("pool_forecast"))
    lines += _optional_lines(
        _("Top risk flags"),
        content.get("top_risk_flags"),
        lambda row: (
            _("%(reference)s %(enterprise)s, score %(score)s: %(reasons)s")
            % {**row, "reasons": " ".join(row["reasons"])}
        ),
    )
    return "\n".join(lines)
