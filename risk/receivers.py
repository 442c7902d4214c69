"""How risk reacts to the refund lifecycle (connected in RiskConfig.ready).

Both run inside the transaction of the change; the assessment itself is
queued to run after it commits.
"""

from risk.models import Trigger
from risk.services.assessment import queue_assessment
from risk.services.holds import hold_close_on_transition, hold_open_on_transition

CHANGE_TRIGGERS = {
    "amount": Trigger.AMOUNT,
    "payee": Trigger.PAYEE,
    "document": Trigger.DOCUMENT,
}


def on_refund_transitioned(sender, refund, name, actor, state_before, **kwargs):
    if name == "submit":
        queue_assessment(refund.pk, Trigger.SUBMIT)
    elif name == "hold":
        hold_open_on_transition(refund=refund, actor=actor)
    elif name in ("clear", "reject") and state_before == "on_hold":
        hold_close_on_transition(refund=refund, name=name, actor=actor)


def on_refund_changed(sender, refund, change, **kwargs):
    trigger = CHANGE_TRIGGERS.get(change)
    if trigger is not None:
        queue_assessment(refund.pk, trigger)
