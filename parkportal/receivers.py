"""Receivers that tie the lifecycle to the core infrastructure.

They live at the top floor: core must not import refunds, and refunds does
not know about webhooks or metrics. Connected in ParkportalConfig.ready().
"""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from parkportal.core import metrics
from parkportal.core.webhooks import webhooks_publish
from refunds.signals import refund_transitioned

# The case states the park's other systems hear about, and the event type
# each one is announced as.
WEBHOOK_EVENTS = {
    "submitted": "refund.submitted",
    "approved": "refund.approved",
    "rejected": "refund.rejected",
    "withdrawn": "refund.withdrawn",
    "disbursed": "refund.disbursed",
    "disbursement_failed": "refund.disbursement_failed",
    "closed": "refund.closed",
}


def refund_payload(refund, *, name: str, state_before: str) -> dict:
    """What a subscriber learns about a case. No payee account number: the
    receiving systems look the payee up by reference when they need it."""
    approved = refund.approved_amount
    return {
        "id": refund.pk,
        "reference": refund.reference,
        "enterprise": refund.enterprise_id,
        "transition": name,
        "state_before": state_before,
        "state": refund.state,
        "amount": str(refund.amount),
        "currency": refund.currency,
        "approved_amount": str(approved) if approved is not None else None,
    }


@receiver(refund_transitioned, dispatch_uid="parkportal.announce_refund")
def announce_refund(sender, refund, name, actor, state_before, **kwargs):
    # Counted after commit, so a rolled-back step is not counted.
    transaction.on_commit(
        partial(metrics.REFUND_TRANSITIONS.labels(name=name).inc), robust=True
    )
    event_type = WEBHOOK_EVENTS.get(refund.state)
    if event_type is None or refund.state == state_before:
        return
    webhooks_publish(
        event_type, refund_payload(refund, name=name, state_before=state_before)
    )
