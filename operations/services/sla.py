"""The SLA clocks of a case, kept in step with its state.

Which stages run follows from the state alone (see `required_stages`), so
the receiver only has to call `clocks_sync` after every transition: it ends
the clocks of stages the case left, starts those it entered, and pauses or
resumes them while the case waits on the enterprise. Stage entry and exit
are thus the transitions' own moments, in their own transaction.
"""

from django.utils import timezone

from operations import conf
from operations.business_calendar import (
    add_business_minutes,
    business_minutes_between,
)
from operations.models import Channel, SlaTarget, Stage, StageClock, approval_stage
from refunds.models import RefundRequest, State
from refunds.models.case import NO_DEADLINE, OPEN_STATES

REVIEW_STATES = frozenset(
    {State.SUBMITTED, State.UNDER_REVIEW, State.INFO_REQUESTED, State.ON_HOLD}
)
DISBURSEMENT_STATES = frozenset(
    {State.APPROVED, State.DISBURSING, State.DISBURSEMENT_FAILED}
)
# The case waits on the enterprise: its clocks stop.
PAUSED_STATES = frozenset({State.INFO_REQUESTED})


def channel_of(refund: RefundRequest) -> str:
    return Channel.GREEN if refund.enterprise.green_channel else Channel.STANDARD


def required_stages(refund: RefundRequest) -> set[str]:
    stages = set()
    if refund.state in OPEN_STATES:
        stages.add(Stage.TOTAL)
    if refund.state in REVIEW_STATES:
        stages.add(Stage.REVIEW)
    elif refund.state in DISBURSEMENT_STATES:
        stages.add(Stage.DISBURSEMENT)
    elif refund.state == State.PENDING_APPROVAL:
        step = refund.current_step()
        if step is not None:
            stages.add(approval_stage(step.level))
    return stages


def target_minutes(stage: str, channel: str) -> int | None:
    target = SlaTarget.objects.filter(stage=stage, channel=channel).first()
    if target is None and channel != Channel.STANDARD:
        target = SlaTarget.objects.filter(stage=stage, channel=Channel.STANDARD).first()
    return target.minutes if target else None


def _schedule(clock: StageClock, now) -> None:
    """Set the deadline and the reminder moment of a running clock."""
    left = clock.target_minutes - clock.consumed_minutes
    clock.deadline = add_business_minutes(now, max(left, 0))
    remind_after = int(clock.target_minutes * conf.reminder_share())
    clock.remind_at = add_business_minutes(
        now, max(remind_after - clock.consumed_minutes, 0)
    )


def clock_start(refund: RefundRequest, stage: str, now) -> StageClock | None:
    channel = channel_of(refund)
    minutes = target_minutes(stage, channel)
    if minutes is None:
        return None
    clock = StageClock(
        refund=refund,
        stage=stage,
        channel=channel,
        target_minutes=minutes,
        started_at=now,
        running_since=now,
    )
    _schedule(clock, now)
    clock.save()
    return clock


def clock_pause(clock: StageClock, now) -> None:
    clock.consumed_minutes += business_minutes_between(clock.running_since, now)
    clock.running_since = None
    clock.deadline = None
    clock.remind_at = None
    clock.save()


def clock_resume(clock: StageClock, now) -> None:
    clock.running_since = now
    _schedule(clock, now)
    clock.save()


def clock_end(clock: StageClock, now) -> None:
    if clock.running_since is not None:
        clock.consumed_minutes += business_minutes_between(clock.running_since, now)
    clock.running_since = None
    clock.ended_at = now
    clock.save()


def clocks_sync(refund: RefundRequest, now) -> None:
    """Bring the case's clocks in line with its state. The caller holds
    the case's row lock, so two transitions never sync at once."""
    wanted = required_stages(refund)
    paused = refund.state in PAUSED_STATES
    open_clocks = {
        clock.stage: clock
        for clock in StageClock.objects.filter(refund=refund, ended_at__isnull=True)
    }
    for stage, clock in open_clocks.items():
        if stage not in wanted:
            clock_end(clock, now)
        elif paused and not clock.is_paused:
            clock_pause(clock, now)
        elif not paused and clock.is_paused:
            clock_resume(clock, now)
    running = [c for c in open_clocks.values() if c.ended_at is None]
    for stage in wanted - set(open_clocks):
        clock = clock_start(refund, stage, now)
        if clock is not None and paused:
            clock_pause(clock, now)
        if clock is not None:
            running.append(clock)
    _keep_next_deadline(refund, running)


def _keep_next_deadline(refund: RefundRequest, running: list[StageClock]) -> None:
    """Store the nearest deadline of the running clocks on the case, where
    the queues sort by it."""
    deadlines = [c.deadline for c in running if c.deadline is not None]
    nearest = min(deadlines, default=NO_DEADLINE)
    if refund.next_deadline != nearest:
        refund.next_deadline = nearest
        RefundRequest.objects.filter(pk=refund.pk).update(next_deadline=nearest)


def used_minutes(clock: StageClock, now) -> int:
    if clock.running_since is None:
        return clock.consumed_minutes
    return clock.consumed_minutes + business_minutes_between(clock.running_since, now)


def clock_status(clock: StageClock, now) -> dict:
    """What the SLA panel shows for one clock."""
    used = used_minutes(clock, now)
    left = clock.target_minutes - used
    if clock.ended_at is not None:
        status = "met" if left >= 0 else "missed"
    elif clock.is_paused:
        status = "paused"
    elif clock.deadline is not None and clock.deadline <= now:
        status = "overdue"
    else:
        status = "running"
    return {
        "stage": clock.stage,
        "stage_label": str(Stage(clock.stage).label),
        "channel": clock.channel,
        "status": status,
        "started_at": timezone.localtime(clock.started_at),
        "ended_at": clock.ended_at and timezone.localtime(clock.ended_at),
        "deadline": clock.deadline and timezone.localtime(clock.deadline),
        "target_minutes": clock.target_minutes,
        "used_minutes": used,
        "left_minutes": max(left, 0),
        "overdue_minutes": max(-left, 0),
    }
