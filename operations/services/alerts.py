"""The periodic deadline scan: reminders, escalations, and the nudge to an
enterprise whose case has been quiet.

Nothing waits in a countdown task. Each scan looks for what is due now and
raises each alert in its own transaction: it locks the case, checks again
that the alert is still due, inserts the Alert row (unique per case, stage,
kind and anchor) and the notifications, and only after commit are e-mails
queued. A second scan, a concurrent worker or a redelivered task finds the
row and does nothing; a worker that dies before committing leaves nothing
behind, and the next scan raises the alert then.
"""

import datetime
import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Subquery

from operations import conf
from operations.models import APPROVAL_STAGES, Alert, AlertKind, StageClock
from operations.services.notifications import notify
from parkportal.accounts.roles import Role
from parkportal.core import clock
from refunds.models import ApprovalDelegation, RefundRequest, TimelineEntry
from refunds.models.case import OPEN_STATES
from refunds.rules import LEVEL_ROLES
from refunds.services.lifecycle import lock_refund

logger = logging.getLogger(__name__)

ESCALATIONS = (AlertKind.BREACH, AlertKind.APPROVAL_STALLED)


def people_with_role(role: str):
    return get_user_model().objects.filter(groups__name=role, is_active=True)


def enterprise_recipients(refund: RefundRequest):
    return people_with_role(Role.ENTERPRISE).filter(enterprise_id=refund.enterprise_id)


def level_approvers(stage: str, at=None) -> list:
    """Who can sign the level now: its approvers and anyone standing in
    for one of them."""
    level = stage.removeprefix("approval_")
    approvers = list(people_with_role(LEVEL_ROLES[level]))
    moment = at or clock.now()
    standing_in = ApprovalDelegation.objects.filter(
        delegator__in=approvers,
        starts_at__lte=moment,
        ends_at__gt=moment,
        delegate__is_active=True,
    ).select_related("delegate")
    for delegation in standing_in:
        if delegation.delegate not in approvers:
            approvers.append(delegation.delegate)
    return approvers


def _recipients(clock_row: StageClock, kind: str) -> list:
    refund = clock_row.refund
    managers = list(people_with_role(Role.OPS_MANAGER))
    if kind == AlertKind.REMINDER:
        if clock_row.stage in APPROVAL_STAGES:
            return level_approvers(clock_row.stage)
        return [refund.owner] if refund.owner else managers
    if kind == AlertKind.APPROVAL_STALLED:
        approvers = level_approvers(clock_row.stage)
        return approvers + [m for m in managers if m not in approvers]
    return managers


def _is_due(clock_row: StageClock, kind: str, now) -> bool:
    if clock_row.ended_at is not None or clock_row.is_paused:
        return False
    if kind == AlertKind.REMINDER:
        # Past the deadline a reminder is moot: the escalation goes instead.
        return clock_row.remind_at <= now < clock_row.deadline
    return clock_row.deadline <= now


def _insert_alert(**fields) -> Alert | None:
    try:
        # The savepoint keeps the outer transaction usable when the unique
        # key refuses a second insert.
        with transaction.atomic():
            return Alert.objects.create(**fields)
    except IntegrityError:
        return None


def alert_raise(*, clock_id: int, kind: str, now=None) -> Alert | None:
    """Raise one SLA alert if it is still due and was not raised before."""
    now = now or clock.now()
    refund_id = (
        StageClock.objects.filter(pk=clock_id)
        .values_list("refund_id", flat=True)
        .first()
    )
    if refund_id is None:
        return None
    with transaction.atomic():
        # The case lock comes first, as in the lifecycle, which ends and
        # pauses clocks under it: the clock read below cannot change until
        # this alert is decided, and the lock order cannot deadlock.
        refund = lock_refund(refund_id)
        clock_row = StageClock.objects.get(pk=clock_id)
        clock_row.refund = refund
        if not _is_due(clock_row, kind, now):
            return None
        alert = _insert_alert(
            refund=refund,
            stage_clock=clock_row,
            stage=clock_row.stage,
            kind=kind,
            anchor=clock_row.started_at,
            deadline=clock_row.deadline,
        )
        if alert is None:
            return None
        params = {
            "reference": refund.reference,
            "stage": clock_row.stage,
            "deadline": clock_row.deadline.isoformat(),
            "owner": str(refund.owner) if refund.owner else "",
        }
        for recipient in _recipients(clock_row, kind):
            notify(
                recipient=recipient,
                kind=kind,
                refund=refund,
                alert=alert,
                params=params,
            )
    logger.info("refund %s: %s alert for %s", refund.reference, kind, clock_row.stage)
    return alert


def _escalation_kind(clock_row) -> str:
    if clock_row.stage in APPROVAL_STAGES:
        return AlertKind.APPROVAL_STALLED
    return AlertKind.BREACH


def deadlines_scan(*, now=None) -> int:
    """Raise every SLA alert due now; returns how many were raised."""
    now = now or clock.now()
    open_clocks = StageClock.objects.filter(ended_at__isnull=True)
    reminders = (
        open_clocks.filter(remind_at__lte=now, deadline__gt=now)
        .exclude(alerts__kind=AlertKind.REMINDER)
        .values_list("pk", flat=True)
    )
    breaches = open_clocks.filter(deadline__lte=now).exclude(
        alerts__kind__in=ESCALATIONS
    )
    raised = 0
    for clock_id in list(reminders):
        raised += (
            alert_raise(clock_id=clock_id, kind=AlertKind.REMINDER, now=now) is not None
        )
    for clock_row in list(breaches.only("pk", "stage")):
        kind = _escalation_kind(clock_row)
        raised += alert_raise(clock_id=clock_row.pk, kind=kind, now=now) is not None
    return raised


def _last_visible_progress(refund: RefundRequest):
    return refund.timeline.filter(visible_to_enterprise=True).aggregate(
        last=Max("created_at")
    )["last"]


def silence_nudge(*, refund_id: int, now=None) -> Alert | None:
    """Tell the enterprise its quiet case is still being handled."""
    now = now or clock.now()
    quiet_since = now - datetime.timedelta(days=conf.no_progress_days())
    with transaction.atomic():
        # The case lock orders this nudge after any transition in flight,
        # whose timeline entry would make the nudge unnecessary.
        refund = lock_refund(refund_id)
        last = _last_visible_progress(refund)
        if not refund.is_open or last is None or last > quiet_since:
            return None
        alert = _insert_alert(
            refund=refund, stage="", kind=AlertKind.NO_PROGRESS, anchor=last
        )
        if alert is None:
            return None
        params = {"reference": refund.reference, "state": refund.state}
        for recipient in enterprise_recipients(refund):
            notify(
                recipient=recipient,
                kind="no_progress",
                refund=refund,
                alert=alert,
                params=params,
            )
    logger.info("refund %s: no-progress nudge sent", refund.reference)
    return alert


def silent_cases_scan(*, now=None) -> int:
    now = now or clock.now()
    quiet_since = now - datetime.timedelta(days=conf.no_progress_days())
    # The newest visible timeline entry, served by the timeline's
    # (refund, created_at) index.
    last_visible = (
        TimelineEntry.objects.filter(refund=OuterRef("pk"), visible_to_enterprise=True)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    quiet = (
        RefundRequest.objects.filter(state__in=OPEN_STATES)
        .annotate(last_visible=Subquery(last_visible))
        .filter(last_visible__lte=quiet_since)
        .exclude(
            Exists(
                Alert.objects.filter(
                    refund=OuterRef("pk"),
                    kind=AlertKind.NO_PROGRESS,
                    anchor=OuterRef("last_visible"),
                )
            )
        )
        .values_list("pk", flat=True)
    )
    return sum(silence_nudge(refund_id=pk, now=now) is not None for pk in list(quiet))
