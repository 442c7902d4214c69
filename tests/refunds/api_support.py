"""Helpers shared by the API tests."""

from rest_framework.test import APIClient

from refunds.services.lifecycle import refund_transition

ACTORS = ("alice", "gary", "olivia", "mark", "fiona", "diana", "carl", "rita", "audrey")


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def refund_url(refund, suffix: str = "") -> str:
    return f"/api/v1/refunds/{refund.pk}/{suffix}"


def step(refund, name, actor, comment="As agreed in the review meeting", **kwargs):
    return refund_transition(
        refund_id=refund.pk, name=name, actor=actor, comment=comment, **kwargs
    )
