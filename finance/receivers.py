"""How finance reacts to the refund lifecycle. Receivers run inside the
transaction of the transition, with the case row already locked."""

from finance.services.pool import earmark_for_approval, earmark_release
from refunds.models import State

# States in which a case may hold pool money.
MONEY_STATES = frozenset(
    {
        State.APPROVED,
        State.DISBURSING,
        State.DISBURSEMENT_FAILED,
        State.DISBURSED,
        State.CLOSED,
    }
)


def on_refund_transitioned(sender, refund, name, actor, state_before, **kwargs):
    if name == "approve" and refund.state == State.APPROVED:
        earmark_for_approval(refund=refund, actor=actor)
    elif state_before in MONEY_STATES and refund.state not in MONEY_STATES:
        earmark_release(
            refund=refund,
            actor=actor,
            reason=f"{name}: {state_before} -> {refund.state}",
        )
