"""The transitions of a refund request, one function per thing a person
does. Each runs in one transaction: the row lock, the state change, the
audit event, the timeline entry and the receivers of refund_transitioned
commit together or not at all."""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from parkportal.accounts.roles import is_system
from parkportal.accounts.services import system_user
from parkportal.core import clock
from parkportal.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from parkportal.core.money import check_minor_units
from refunds import fx, rules
from refunds.models import (
    ApprovalStep,
    ApprovalThreshold,
    RefundRequest,
    State,
    TimelineEntry,
)
from refunds.models.approvals import StepStatus
from refunds.models.case import TRANSITION_NAMES
from refunds.services.audit import audit_record
from refunds.signals import refund_transitioned

logger = logging.getLogger(__name__)

# Steps an enterprise never sees on its timeline.
INTERNAL_STEPS = frozenset({"start_review"})


def lock_refund(refund_id: int) -> RefundRequest:
    # The row lock makes two people acting on one case at once take turns:
    # the second waits, then sees the state the first left and is refused
    # if their step no longer applies.
    try:
        return RefundRequest.objects.select_for_update().get(pk=refund_id)
    except RefundRequest.DoesNotExist:
        raise NotFound(_("This refund request does not exist.")) from None


def guard(refund: RefundRequest, name: str, actor) -> None:
    """Raise the error a person should read when they may not take the
    step `name` now."""
    method = getattr(refund, name, None)
    if name not in TRANSITION_NAMES or method is None:
        raise NotFound(_("There is no such step."), code="unknown_transition")
    if not can_proceed(method, check_conditions=False):
        raise Conflict(
            _("This step is not possible while the case is “%(state)s”.")
            % {"state": refund.get_state_display()},
            code="transition_not_allowed",
        )
    reason = rules.denial(refund, actor, name)
    if reason:
        raise NotAllowed(reason, code="transition_forbidden")
    unmet = rules.unmet_conditions(refund, name)
    if unmet:
        raise Conflict(
            unmet[0], code="condition_not_met", details={"conditions": unmet}
        )


def apply(
    refund: RefundRequest,
    name: str,
    actor,
    *,
    comment: str = "",
    on_behalf_of=None,
    params: dict | None = None,
    **method_kwargs,
) -> RefundRequest:
    """Take a guarded step on a locked case and record it."""
    state_before = refund.state
    getattr(refund, name)(comment=comment, **method_kwargs)
    now = clock.now()
    refund.version += 1
    refund.state_changed_at = now
    refund.save()

    details = {"comment": comment, **(params or {})} if comment else dict(params or {})
    audit_record(
        actor=actor,
        action=f"refund.{name}",
        obj=refund,
        refund=refund,
        before={"state": state_before},
        after={"state": refund.state, **details},
        on_behalf_of=on_behalf_of,
    )
    TimelineEntry.objects.create(
        refund=refund,
        kind=name,
        actor=actor,
        on_behalf_of=on_behalf_of,
        state_before=state_before,
        state_after=refund.state,
        params=details,
        visible_to_enterprise=name not in INTERNAL_STEPS,
    )
    refund_transitioned.send(
        sender=RefundRequest,
        refund=refund,
        name=name,
        actor=actor,
        state_before=state_before,
    )
    logger.info(
        "refund %s: %s %s -> %s", refund.reference, name, state_before, refund.state
    )
    return refund


def refund_transition(
    *, refund_id: int, name: str, actor, comment: str = "", **kwargs
) -> RefundRequest:
    """Take any step by name: the API's and the admin's single entry."""
    handlers = {
        "submit": refund_submit,
        "forward": refund_forward,
        "approve": refund_approve,
        "reject": refund_reject,
        "send_back": refund_send_back,
    }
    if name in handlers:
        if name in ("submit", "forward"):
            return handlers[name](refund_id=refund_id, actor=actor)
        return handlers[name](
            refund_id=refund_id, actor=actor, comment=comment, **kwargs
        )
    with transaction.atomic():
        refund = lock_refund(refund_id)
        guard(refund, name, actor)
        return apply(refund, name, actor, comment=comment)


def refund_submit(*, refund_id: int, actor) -> RefundRequest:
    with transaction.atomic():
        refund = lock_refund(refund_id)
        guard(refund, "submit", actor)
        refund.submitted_at = clock.now()
        refund.amount_cny = fx.to_cny(refund.amount, fx.rate_to_cny(refund.currency))
        apply(refund, "submit", actor)

        # Screening and assignment ran in the receivers; unless one of them
        # held the case, review starts now.
        if refund.state == State.SUBMITTED:
            apply(refund, "start_review", system_user())
    return refund


def approval_levels_for(refund: RefundRequest) -> list[str]:
    amount = refund.amount_cny if refund.amount_cny is not None else refund.amount
    thresholds = ApprovalThreshold.objects.filter(active=True).order_by("position")
    levels = [t.level for t in thresholds if amount >= t.min_amount_cny]
    for extra in refund.extra_approval_levels:
        if extra not in levels:
            levels.append(extra)
    order = {t.level: t.position for t in thresholds}
    levels.sort(key=lambda level: order.get(level, 99))
    if not levels:
        raise Conflict(
            _("No approval policy applies to this amount."), code="no_policy"
        )
    return levels


def refund_forward(*, refund_id: int, actor) -> RefundRequest:
    with transaction.atomic():
        refund = lock_refund(refund_id)
        guard(refund, "forward", actor)
        levels = approval_levels_for(refund)
        refund.approval_round += 1
        refund.approved_amount = None
        now = clock.now()
        ApprovalStep.objects.bulk_create(
            ApprovalStep(
                refund=refund,
                round=refund.approval_round,
                position=position,
                level=level,
                status=StepStatus.PENDING if position == 1 else StepStatus.WAITING,
                activated_at=now if position == 1 else None,
            )
            for position, level in enumerate(levels, start=1)
        )
        return apply(refund, "forward", actor, params={"levels": levels})


def _decide_step(refund, actor, status: str, *, comment: str, amount=None):
    step = refund.current_step()
    principal = rules.acting_principal(actor, step.level)
    step.status = status
    step.decided_by = actor
    step.on_behalf_of = principal if principal.pk != actor.pk else None
    step.decided_at = clock.now()
    step.comment = comment
    step.approved_amount = amount
    step.save()
    return step


def _cancel_open_steps(refund) -> None:
    refund.approval_steps.filter(
        round=refund.approval_round, status__in=[StepStatus.PENDING, StepStatus.WAITING]
    ).update(status=StepStatus.CANCELLED, updated_at=clock.now())


def refund_approve(
    *, refund_id: int, actor, amount: Decimal | None = None, comment: str = ""
) -> RefundRequest:
    with transaction.atomic():
        refund = lock_refund(refund_id)
        guard(refund, "approve", actor)
        ceiling = refund.payable_amount
        amount = ceiling if amount is None else Decimal(amount)
        if amount <= 0 or amount > ceiling:
            raise InvalidInput(
                _("The approved amount must be more than zero and at most %(ceiling)s.")
                % {"ceiling": ceiling},
                code="invalid_amount",
            )
        check_minor_units(amount, refund.currency)
        if amount < ceiling and not comment.strip():
            raise InvalidInput(
                _("Please give a reason for approving a reduced amount."),
                code="comment_required",
            )

        step = _decide_step(
            refund, actor, StepStatus.APPROVED, comment=comment, amount=amount
        )
        following = (
            refund.approval_steps.filter(
                round=refund.approval_round, position__gt=step.position
            )
            .order_by("position")
            .first()
        )
        refund.approved_amount = amount
        if following is None:
            rate = fx.rate_to_cny(refund.currency)
            refund.fx_rate_at_approval = rate
            refund.approved_amount_cny = fx.to_cny(amount, rate)
            refund.decided_at = clock.now()
        else:
            following.status = StepStatus.PENDING
            following.activated_at = clock.now()
            following.save(update_fields=["status", "activated_at", "updated_at"])

        return apply(
            refund,
            "approve",
            actor,
            comment=comment,
            on_behalf_of=step.on_behalf_of,
            params={"level": step.level, "amount": str(amount)},
            last_level=following is None,
        )


def refund_reject(*, refund_id: int, actor, comment: str = "") -> RefundRequest:
    rules.require_comment(comment)
    with transaction.atomic():
        refund = lock_refund(refund_id)
        guard(refund, "reject", actor)
        on_behalf_of = None
        if refund.state == State.PENDING_APPROVAL:
            step = _decide_step(refund, actor, StepStatus.REJECTED, comment=comment)
            on_behalf_of = step.on_behalf_of
            _cancel_open_steps(refund)
        refund.decided_at = clock.now()
        return apply(
            refund, "reject", actor, comment=comment, on_behalf_of=on_behalf_of
        )


def refund_send_back(*, refund_id: int, actor, comment: str = "") -> RefundRequest:
    rules.require_comment(comment)
    with transaction.atomic():
        refund = lock_refund(refund_id)
        guard(refund, "send_back", actor)
        step = _decide_step(refund, actor, StepStatus.SENT_BACK, comment=comment)
        _cancel_open_steps(refund)
        refund.approved_amount = None
        return apply(
            refund, "send_back", actor, comment=comment, on_behalf_of=step.on_behalf_of
        )


def available_transitions(refund: RefundRequest, user) -> list[str]:
    """The steps `user` may take on `refund` now, conditions included."""
    names = []
    for name in TRANSITION_NAMES:
        method = getattr(refund, name)
        if not can_proceed(method, check_conditions=False):
            continue
        if rules.denial(refund, user, name) is None:
            names.append(name)
    return names


def refund_record_assessment(
    *, refund_id: int, risk_level: str, risk_score: int, extra_levels: list[str] = ()
) -> RefundRequest:
    """Store the outcome of a risk assessment on the case (the risk app
    keeps the details)."""
    with transaction.atomic():
        refund = lock_refund(refund_id)
        before = {"risk_level": refund.risk_level, "risk_score": refund.risk_score}
        refund.risk_level = risk_level
        refund.risk_score = risk_score
        refund.risk_assessed_at = clock.now()
        refund.extra_approval_levels = sorted(
            set(refund.extra_approval_levels) | set(extra_levels)
        )
        refund.save(
            update_fields=[
                "risk_level",
                "risk_score",
                "risk_assessed_at",
                "extra_approval_levels",
                "updated_at",
            ]
        )
        audit_record(
            actor=system_user(),
            action="refund.assessed",
            obj=refund,
            refund=refund,
            before=before,
            after={
                "risk_level": risk_level,
                "risk_score": risk_score,
                "extra_levels": list(extra_levels),
            },
        )
    return refund


def set_owner(
    refund: RefundRequest, *, owner, actor, reason: str = ""
) -> RefundRequest:
    """Name the case owner on a case the caller has locked. Operations
    decides who; the lifecycle records it."""
    previous = refund.owner
    refund.owner = owner
    refund.save(update_fields=["owner", "updated_at"])
    audit_record(
        actor=actor,
        action="refund.assign",
        obj=refund,
        refund=refund,
        before={"owner": previous.pk if previous else None},
        after={"owner": owner.pk if owner else None, "reason": reason},
    )
    params = {"owner": str(owner) if owner else ""}
    # A manager's reason is their own words and shows on the timeline; the
    # system's reason was worded in whatever language was active and stays
    # in the audit trail, the timeline's own text saying enough.
    if reason and not is_system(actor):
        params["comment"] = reason
    TimelineEntry.objects.create(
        refund=refund,
        kind="assign",
        actor=actor,
        params=params,
        visible_to_enterprise=True,
    )
    return refund
