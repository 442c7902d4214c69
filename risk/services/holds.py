"""The risk officer's decisions on held cases. The case moves through its
own transitions; the hold row follows from the receiver of those
transitions, so a decision taken from the case page is recorded the same
way."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.roles import is_system
from parkportal.core import clock
from parkportal.core.errors import Conflict, NotFound
from refunds.models import RefundRequest
from refunds.rules import require_comment
from refunds.services.lifecycle import lock_refund, refund_transition
from risk.models import Assessment, Hold, HoldStatus
from risk.services.common import require_risk_officer


def _decide(*, hold_id: int, actor, comment: str, name: str) -> Hold:
    require_risk_officer(actor)
    require_comment(comment)
    hold = Hold.objects.filter(pk=hold_id).first()
    if hold is None:
        raise NotFound(_("This hold does not exist."))
    with transaction.atomic():
        # Case row first, as everywhere; then the hold, so two officers
        # deciding at once take turns and the second is refused.
        lock_refund(hold.refund_id)
        hold = Hold.objects.select_for_update().get(pk=hold_id)
        if hold.status != HoldStatus.OPEN:
            raise Conflict(
                _("This hold was already decided."), code="hold_already_decided"
            )
        refund_transition(
            refund_id=hold.refund_id, name=name, actor=actor, comment=comment
        )
        hold.refresh_from_db()
    return hold


def hold_clear(*, hold_id: int, actor, comment: str) -> Hold:
    return _decide(hold_id=hold_id, actor=actor, comment=comment, name="clear")


def hold_reject(*, hold_id: int, actor, comment: str) -> Hold:
    return _decide(hold_id=hold_id, actor=actor, comment=comment, name="reject")


def hold_open_on_transition(*, refund: RefundRequest, actor) -> Hold:
    """Record a hold just taken on the case (called inside the
    transition's transaction). The engine's hold is tied to the assessment
    it has just written; a hold by hand carries its author's reason."""
    entry = refund.timeline.filter(kind="hold").order_by("-id").first()
    assessment = None
    if is_system(actor):
        assessment = (
            Assessment.objects.filter(refund=refund, held=True, hold__isnull=True)
            .order_by("-id")
            .first()
        )
    return Hold.objects.create(
        refund=refund,
        assessment=assessment,
        placed_by=actor,
        reason=entry.params.get("comment", "") if entry else "",
    )


def hold_close_on_transition(*, refund: RefundRequest, name: str, actor) -> None:
    """Record on the open hold the decision just taken on the case (called
    inside the transition's transaction)."""
    status = {"clear": HoldStatus.CLEARED, "reject": HoldStatus.REJECTED}[name]
    hold = (
        Hold.objects.select_for_update()
        .filter(refund=refund, status=HoldStatus.OPEN)
        .first()
    )
    if hold is None:
        return
    entry = refund.timeline.filter(kind=name).order_by("-id").first()
    hold.status = status
    hold.decided_by = actor
    hold.decided_at = clock.now()
    hold.comment = entry.params.get("comment", "") if entry else ""
    hold.save(update_fields=["status", "decided_by", "decided_at", "comment"])
