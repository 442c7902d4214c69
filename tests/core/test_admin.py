import pytest

from parkportal.core.models import (
    DeliveryStatus,
    OutboxMessage,
    OutboxStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from tests.factories import UserFactory


@pytest.fixture
def sam(db, client):
    """Site administrator."""
    user = UserFactory(username="sam", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_admin_lists_dead_letters(sam, client):
    OutboxMessage.objects.create(task="finance.tasks.notify", status=OutboxStatus.DEAD)

    response = client.get("/admin/core/outboxmessage/?status__exact=dead")

    assert response.status_code == 200
    assert b"finance.tasks.notify" in response.content


def test_admin_action_replays_dead_letters(
    sam, client, task_calls, django_capture_on_commit_callbacks
):
    dead = OutboxMessage.objects.create(
        task="tests.core.record_call", kwargs={"n": 5}, status=OutboxStatus.DEAD
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/core/outboxmessage/",
            {"action": "replay", "_selected_action": [dead.pk]},
        )

    assert response.status_code == 302
    dead.refresh_from_db()
    assert dead.status == OutboxStatus.SENT
    assert task_calls == [{"n": 5}]


def test_admin_subscribes_to_a_known_event_type_only(sam, client):
    values = {
        "target_url": "https://erp.park.example/hooks",
        "secret": "s" * 32,
        "description": "ERP",
        "is_active": "on",
    }

    refused = client.post(
        "/admin/core/webhooksubscription/add/", {**values, "event_type": "refund.eaten"}
    )
    accepted = client.post(
        "/admin/core/webhooksubscription/add/",
        {**values, "event_type": "batch.authorised"},
    )

    assert refused.status_code == 200
    assert accepted.status_code == 302
    assert list(WebhookSubscription.objects.values_list("event_type", flat=True)) == [
        "batch.authorised"
    ]


def test_admin_shows_the_delivery_log(sam, client):
    subscription = WebhookSubscription.objects.create(
        event_type="refund.approved", target_url="https://erp.example/h", secret="k"
    )
    WebhookDelivery.objects.create(
        subscription=subscription,
        event_id="0b7c1a52-3f0a-4f43-9a55-2f8d7d4f6f01",
        event_type="refund.approved",
        payload={},
        status=DeliveryStatus.FAILED,
        response_code=502,
        attempts=8,
    )

    response = client.get("/admin/core/webhookdelivery/")

    assert response.status_code == 200
    assert b"502" in response.content
