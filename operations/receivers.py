"""How operations reacts to the lifecycle. Receivers run inside the
transaction of the transition, with the case locked by the caller."""

from operations.services.alerts import enterprise_recipients
from operations.services.assignment import assign_on_submit
from operations.services.notifications import notify
from operations.services.sla import clocks_sync
from parkportal.core import clock
from refunds.services.lifecycle import INTERNAL_STEPS


def on_refund_transitioned(sender, refund, name, actor, state_before, **kwargs):
    if name == "submit":
        assign_on_submit(refund)
    clocks_sync(refund, clock.now())
    if name not in INTERNAL_STEPS and refund.state != state_before:
        notify_enterprise(refund, name)


def notify_enterprise(refund, name: str) -> None:
    params = {"reference": refund.reference, "state": refund.state}
    for recipient in enterprise_recipients(refund):
        notify(recipient=recipient, kind="state_changed", refund=refund, params=params)
