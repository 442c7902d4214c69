"""The top-floor receivers that announce refund transitions."""

import json

import pytest

from parkportal.core.models import DeliveryStatus, WebhookSubscription
from parkportal.receivers import WEBHOOK_EVENTS


@pytest.fixture
def erp(db, webhook_receiver):
    return WebhookSubscription.objects.create(
        event_type="refund.approved", target_url=webhook_receiver.url, secret="s3cret"
    )


def test_approval_is_announced_to_subscribers_after_commit(
    cases, mark, erp, webhook_receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refund = cases.approved([mark])

    [document] = webhook_receiver.documents()
    assert document["type"] == "refund.approved"
    assert document["data"]["reference"] == refund.reference
    assert document["data"]["state"] == "approved"
    assert document["data"]["transition"] == "approve"
    assert erp.deliveries.get().status == DeliveryStatus.DELIVERED


def test_announcement_carries_no_bank_account_number(
    cases, mark, erp, webhook_receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cases.approved([mark], payee_account="6222000011112222")

    [request] = webhook_receiver.requests
    assert b"6222000011112222" not in request["body"]
    assert "payee_account" not in json.loads(request["body"])["data"]


def test_steps_without_an_event_announce_nothing(
    cases, erp, webhook_receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cases.pending_approval()

    assert webhook_receiver.requests == []


def test_every_announced_state_is_a_state_of_the_lifecycle():
    from refunds.models import State

    assert set(WEBHOOK_EVENTS) <= set(State.values)
