"""Read queries of operations: queues, the SLA panel, the inbox."""

import datetime
import functools
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce

from operations import conf
from operations.models import (
    Complaint,
    ComplaintStatus,
    Notification,
    Rating,
    Stage,
    StageClock,
)
from operations.services.sla import clock_status
from parkportal.accounts.roles import Role, has_role
from parkportal.core import clock
from parkportal.core.errors import InvalidInput, NotAllowed
from refunds.models import RefundRequest
from refunds.models.case import OPEN_STATES
from refunds.selectors import PERSON_COLUMNS, person_columns

QUEUES = ("mine", "team", "unassigned")
# What a queue row shows: a full case and user cost a queue page more to
# build than its query takes.
QUEUE_COLUMNS = (
    "id",
    "reference",
    "state",
    "amount",
    "currency",
    "risk_level",
    "submitted_at",
    "next_deadline",
)
QUEUE_FIELDS = (
    *QUEUE_COLUMNS,
    "enterprise__name",
    "enterprise__green_channel",
    *(f"owner__{column}" for column in PERSON_COLUMNS),
)


@dataclass
class QueueFilters:
    states: list[str] = field(default_factory=list)
    deadline: str = ""  # "overdue" or "due_soon"
    risk_levels: list[str] = field(default_factory=list)
    green_channel: bool | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None


def _require_ops(user) -> None:
    if not has_role(user, Role.OPS_SPECIALIST, Role.OPS_MANAGER):
        raise NotAllowed()


def _queue_filtered(cases: QuerySet, user, queue: str, filters: QueueFilters):
    if queue not in QUEUES:
        raise InvalidInput(code="unknown_queue")
    # The asked states that are open, in one condition: repeating the open
    # states beside them cost PostgreSQL more to plan than to run the page.
    if filters.states:
        states = [state for state in filters.states if state in OPEN_STATES]
    else:
        states = sorted(OPEN_STATES)
    cases = cases.filter(state__in=states)
    if queue == "mine":
        cases = cases.filter(owner=user)
    elif queue == "unassigned":
        cases = cases.filter(owner__isnull=True)
    else:
        cases = cases.filter(owner__isnull=False)

    now = clock.now()
    if filters.deadline == "overdue":
        cases = cases.filter(next_deadline__lte=now)
    elif filters.deadline == "due_soon":
        soon = now + datetime.timedelta(hours=conf.due_soon_hours())
        cases = cases.filter(next_deadline__gt=now, next_deadline__lte=soon)
    if filters.risk_levels:
        cases = cases.filter(risk_level__in=filters.risk_levels)
    if filters.green_channel is not None:
        cases = cases.filter(enterprise__green_channel=filters.green_channel)
    amount = Coalesce("amount_cny", "amount")
    if filters.amount_min is not None:
        cases = cases.alias(amount_value=amount).filter(
            amount_value__gte=filters.amount_min
        )
    if filters.amount_max is not None:
        cases = cases.alias(amount_value=amount).filter(
            amount_value__lte=filters.amount_max
        )
    return cases.order_by("next_deadline", "id")


def queue_cases(*, user, queue: str, filters: QueueFilters | None = None):
    """Open cases of a queue, nearest deadline first (`next_deadline`, far
    in the future when no clock runs); the API pages it by
    (next_deadline, id), which the queue indexes of RefundRequest serve."""
    _require_ops(user)
    cases = RefundRequest.objects.select_related("enterprise", "owner").only(
        *QUEUE_FIELDS
    )
    return _queue_filtered(cases, user, queue, filters or QueueFilters())


# Resolving the joins and columns of this values() query costs about as
# much as running a page of it, so it is built once per process and every
# read filters a clone, never the shared queryset, which is never evaluated.
@functools.cache
def _queue_rows() -> QuerySet[dict]:
    return RefundRequest.objects.values(
        *QUEUE_COLUMNS,
        enterprise_name=F("enterprise__name"),
        green_channel=F("enterprise__green_channel"),
        **person_columns("owner"),
    )


def queue_rows(*, user, queue: str, filters: QueueFilters | None = None):
    """`queue_cases` as plain rows of what the API shows, without building a
    case, an enterprise and an owner for each."""
    _require_ops(user)
    return _queue_filtered(_queue_rows().all(), user, queue, filters or QueueFilters())


def queue_counts(*, user) -> dict[str, int]:
    """How many open cases each queue holds, in one query."""
    _require_ops(user)
    counts = RefundRequest.objects.filter(state__in=OPEN_STATES).aggregate(
        mine=Count("pk", filter=Q(owner=user)),
        team=Count("pk", filter=Q(owner__isnull=False)),
        unassigned=Count("pk", filter=Q(owner__isnull=True)),
    )
    return counts


def sla_panel(*, refund: RefundRequest) -> dict:
    """Each stage's deadline and the whole case's, with time left or
    overdue. Ended stages show whether they met their target."""
    now = clock.now()
    clocks = list(StageClock.objects.filter(refund=refund).order_by("started_at", "id"))
    stages = [clock_status(c, now) for c in clocks if c.stage != Stage.TOTAL]
    total = next(
        (clock_status(c, now) for c in reversed(clocks) if c.stage == Stage.TOTAL), None
    )
    return {
        "refund": refund.pk,
        "reference": refund.reference,
        "stages": stages,
        "total": total,
    }


def inbox(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("refund")


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def satisfaction_summary(*, since=None) -> dict:
    """Ratings and complaints for the KPIs: count, average score, the
    spread of scores, and complaints open and in total."""
    ratings = Rating.objects.all()
    complaints = Complaint.objects.all()
    if since is not None:
        ratings = ratings.filter(created_at__gte=since)
        complaints = complaints.filter(created_at__gte=since)
    figures = ratings.aggregate(count=Count("pk"), average=Avg("score"))
    spread = dict(ratings.values_list("score").annotate(n=Count("pk")))
    average = figures["average"]
    return {
        "ratings": figures["count"],
        "average_score": None
        if average is None
        else Decimal(str(average)).quantize(Decimal("0.01")),
        "scores": {score: spread.get(score, 0) for score in range(1, 6)},
        "complaints": complaints.count(),
        "complaints_open": complaints.filter(status=ComplaintStatus.OPEN).count(),
    }
