"""Read queries: what a person may see, shaped for lists and pages."""

import functools
import re

from django.db.models import F, Prefetch, QuerySet, prefetch_related_objects

from parkportal.accounts.models import Enterprise, user_label
from parkportal.accounts.roles import (
    SYSTEM_USERNAME,
    Role,
    has_role,
    is_staff_member,
)
from parkportal.core import clock
from refunds.models import (
    ApprovalDelegation,
    ApprovalStep,
    AuditEvent,
    ChainVerification,
    Message,
    ReferenceCounter,
    RefundRequest,
    State,
    TimelineEntry,
)
from refunds.models.approvals import StepStatus
from refunds.rules import LEVEL_ROLES
from refunds.timeline import STAFF_ONLY_COMMENTS, render


def refunds_visible_to(user) -> QuerySet[RefundRequest]:
    refunds = RefundRequest.objects.select_related("enterprise", "owner", "contract")
    return _scoped(refunds, user)


def _scoped(rows: QuerySet, user, case: str = "") -> QuerySet:
    """Cases, or rows of a case reached through the lookup `case`, that
    `user` may see."""
    if has_role(user, Role.ENTERPRISE):
        return rows.filter(**{f"{case}enterprise_id": user.enterprise_id})
    if is_staff_member(user):
        return rows
    return rows.none()


# The columns a case is shown with in the API (refunds.api.serializers).
REFUND_ROW_COLUMNS = (
    "id",
    "reference",
    "state",
    "enterprise_id",
    "contract_id",
    "amount",
    "currency",
    "reason",
    "description",
    "payee_name",
    "payee_bank",
    "payee_account",
    "owner_id",
    "applicant_id",
    "approved_amount",
    "risk_level",
    "created_at",
    "submitted_at",
    "decided_at",
    "version",
)


# The columns `user_label` names a person from.
PERSON_COLUMNS = ("display_name", "first_name", "last_name", "username")


def person_columns(prefix: str) -> dict:
    """The columns `user_label` names the related person `prefix` from, for
    a values() query, as `<prefix>_<column>`."""
    return {f"{prefix}_{column}": F(f"{prefix}__{column}") for column in PERSON_COLUMNS}


def _label(row: dict, prefix: str) -> str:
    if row[f"{prefix}_username"] is None:
        return ""
    return user_label(
        display_name=row[f"{prefix}_display_name"],
        first_name=row[f"{prefix}_first_name"],
        last_name=row[f"{prefix}_last_name"],
        username=row[f"{prefix}_username"],
    )


# Resolving the joins and columns of these values() queries costs more
# than running them, so each is built once per process and every read
# filters a clone (`all()`), never the shared queryset, which is never
# evaluated.
@functools.cache
def _refund_rows() -> QuerySet[dict]:
    return RefundRequest.objects.values(
        *REFUND_ROW_COLUMNS,
        enterprise_name=F("enterprise__name"),
        **person_columns("owner"),
    )


@functools.cache
def _timeline_rows() -> QuerySet[dict]:
    columns = ("id", "kind", "params", "state_before", "state_after", "created_at")
    return TimelineEntry.objects.values(
        *columns, **person_columns("actor"), **person_columns("on_behalf_of")
    )


def refund_rows_visible_to(user) -> QuerySet[dict]:
    """`refunds_visible_to` as plain rows of what the API shows: the columns
    of the case, its enterprise's name and its owner's, without building a
    case, an enterprise, an owner and a contract for each."""
    return _scoped(_refund_rows().all(), user)


def owner_label(row: dict) -> str:
    return _label(row, "owner")


def timeline_for(refund_id: int, user, *, scoped: bool = False) -> list[dict]:
    """The case's timeline in the reader's language; an enterprise sees
    neither internal steps nor staff-only comments. `scoped` reads it only
    if the case is one `user` may see (none otherwise)."""
    entries = _timeline_rows().filter(refund_id=refund_id)
    if scoped:
        entries = _scoped(entries, user, case="refund__")
    for_enterprise = has_role(user, Role.ENTERPRISE)
    if for_enterprise:
        entries = entries.filter(visible_to_enterprise=True)
    rows = []
    for entry in entries:
        comment = entry["params"].get("comment", "")
        if for_enterprise and entry["kind"] in STAFF_ONLY_COMMENTS:
            comment = ""
        rows.append(
            {
                "id": entry["id"],
                "kind": entry["kind"],
                "text": render(entry["kind"], entry["params"]),
                "comment": comment,
                "actor": _label(entry, "actor"),
                "actor_is_system": entry["actor_username"] == SYSTEM_USERNAME,
                "on_behalf_of": _label(entry, "on_behalf_of"),
                "state_before": entry["state_before"],
                "state_after": entry["state_after"],
                "created_at": entry["created_at"],
            }
        )
    return rows


def messages_for(refund: RefundRequest, user) -> QuerySet[Message]:
    messages = Message.objects.filter(refund=refund).select_related("author")
    if not is_staff_member(user):
        messages = messages.filter(internal=False)
    return messages


def approval_levels_signed_by(user) -> set[str]:
    """The approval levels `user` signs at now: their own, and those of
    anyone who named them substitute for this moment."""
    levels = {level for level, role in LEVEL_ROLES.items() if has_role(user, role)}
    moment = clock.now()
    delegations = ApprovalDelegation.objects.filter(
        delegate=user, starts_at__lte=moment, ends_at__gt=moment
    ).select_related("delegator")
    for delegation in delegations:
        levels |= {
            level
            for level, role in LEVEL_ROLES.items()
            if has_role(delegation.delegator, role)
        }
    return levels


def approval_steps_waiting_for(user) -> QuerySet[ApprovalStep]:
    """The approvals inbox: steps whose turn it is at a level `user` signs
    for, themselves or as someone's substitute right now."""
    levels = approval_levels_signed_by(user)
    return (
        ApprovalStep.objects.filter(
            level__in=levels,
            status=StepStatus.PENDING,
            round=F("refund__approval_round"),
            refund__state=State.PENDING_APPROVAL,
        )
        .select_related("refund", "refund__enterprise", "refund__owner")
        .order_by("activated_at", "id")
    )


def approval_steps_waiting_count(user) -> int:
    """How many steps `approval_steps_waiting_for` lists, counted on the
    pending steps alone: a step is pending only while its case waits in
    that round (reject and send-back cancel the open steps), so the join
    to the cases that the list keeps as a guard would change nothing but
    the cost, a heap read per waiting case."""
    return ApprovalStep.objects.filter(
        level__in=approval_levels_signed_by(user), status=StepStatus.PENDING
    ).count()


def earlier_decisions(step: ApprovalStep) -> QuerySet[ApprovalStep]:
    """What the levels before `step` decided in the same round."""
    return ApprovalStep.objects.filter(
        refund_id=step.refund_id, round=step.round, position__lt=step.position
    ).select_related("decided_by", "on_behalf_of")


def prefetch_round_steps(refunds: list[RefundRequest]) -> None:
    """Load the approval steps of every case of a page in one query, with
    their deciders, into each case's `approval_steps`."""
    prefetch_related_objects(
        refunds,
        Prefetch(
            "approval_steps",
            queryset=ApprovalStep.objects.select_related("decided_by", "on_behalf_of"),
        ),
    )


def earlier_decisions_among(step: ApprovalStep) -> list[ApprovalStep]:
    """`earlier_decisions`, read from the case's prefetched steps."""
    return [
        s
        for s in step.refund.approval_steps.all()
        if s.round == step.round and s.position < step.position
    ]


REFERENCE_START = re.compile(r"RF-[\d-]*", re.IGNORECASE)
# The number of a reference alone, in whichever year it was given.
REFERENCE_NUMBER = re.compile(r"\d{1,6}")


def refunds_search(
    user, *, query: str = "", state: str = ""
) -> QuerySet[RefundRequest]:
    refunds = refunds_visible_to(user)
    if state:
        refunds = refunds.filter(state=state)
    query = query.strip()
    # References are upper case and indexed from their start: a query shaped
    # like one is looked up there. Anything else is part of an enterprise's
    # name, searched among the park's thousands of enterprises rather than
    # its million cases (either way, no case is read that does not match).
    if REFERENCE_START.fullmatch(query):
        refunds = refunds.filter(reference__startswith=query.upper())
    elif REFERENCE_NUMBER.fullmatch(query):
        years = ReferenceCounter.objects.values_list("year", flat=True)
        number = int(query)
        refunds = refunds.filter(
            reference__in=[f"RF-{year}-{number:06d}" for year in years]
        )
    elif query:
        refunds = refunds.filter(
            enterprise__in=Enterprise.objects.filter(name__icontains=query)
        )
    return refunds.order_by("-id")


def latest_chain_verification() -> ChainVerification | None:
    return (
        ChainVerification.objects.select_related("requested_by")
        .order_by("-finished_at")
        .first()
    )


def audit_events_search(
    *, reference: str = "", action: str = "", actor: str = ""
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("refund", "seal").order_by("-id")
    if reference:
        # Exact and upper case, as references are stored: the case is found
        # on its index and its events on theirs. A match ignoring case would
        # walk the whole trail backwards (14 s at 4.8 M events).
        events = events.filter(refund__reference=reference.strip().upper())
    if action:
        events = events.filter(action__icontains=action.strip())
    if actor:
        events = events.filter(actor_name__icontains=actor.strip())
    return events


def payee_is_verified(refund: RefundRequest) -> bool:
    return refund.enterprise.bank_accounts.filter(
        account_number=refund.payee_account, verified_at__isnull=False
    ).exists()
