import json
from datetime import timedelta

import pytest

from parkportal.core import clock
from parkportal.core.errors import Conflict
from parkportal.core.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from parkportal.core.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
    verify,
    webhook_redeliver,
    webhooks_publish,
    webhooks_retry_due,
)
from tests.factories import UserFactory

SECRET = "erp-shared-secret-0123456789"


@pytest.fixture
def erp(db, webhook_receiver):
    return WebhookSubscription.objects.create(
        event_type="refund.approved", target_url=webhook_receiver.url, secret=SECRET
    )


def publish(capture, event_type="refund.approved", payload=None):
    with capture(execute=True):
        return webhooks_publish(event_type, payload or {"reference": "RF-2026-000001"})


def test_published_event_arrives_signed_over_timestamp_and_body(
    erp, webhook_receiver, django_capture_on_commit_callbacks
):
    publish(django_capture_on_commit_callbacks)

    [request] = webhook_receiver.requests
    headers = {name.lower(): value for name, value in request["headers"].items()}
    timestamp = headers[TIMESTAMP_HEADER.lower()]
    assert verify(SECRET, timestamp, request["body"], headers[SIGNATURE_HEADER.lower()])
    assert not verify(
        "another-secret", timestamp, request["body"], headers[SIGNATURE_HEADER.lower()]
    )
    document = json.loads(request["body"])
    assert document["type"] == "refund.approved"
    assert document["data"] == {"reference": "RF-2026-000001"}


def test_successful_delivery_is_logged(
    erp, webhook_receiver, django_capture_on_commit_callbacks
):
    [delivery] = publish(django_capture_on_commit_callbacks)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.response_code == 200
    assert delivery.attempts == 1
    assert delivery.delivered_at is not None


def test_event_goes_only_to_active_subscriptions_of_its_type(
    erp, webhook_receiver, django_capture_on_commit_callbacks
):
    WebhookSubscription.objects.create(
        event_type="refund.disbursed", target_url=webhook_receiver.url, secret=SECRET
    )
    WebhookSubscription.objects.create(
        event_type="refund.approved",
        target_url=webhook_receiver.url,
        secret=SECRET,
        is_active=False,
    )

    deliveries = publish(django_capture_on_commit_callbacks)

    assert [d.subscription_id for d in deliveries] == [erp.pk]
    assert len(webhook_receiver.requests) == 1


def test_refused_delivery_is_retried_after_its_backoff(
    erp, webhook_receiver, django_capture_on_commit_callbacks
):
    webhook_receiver.answers = [503]
    [delivery] = publish(django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.response_code == 503

    assert webhooks_retry_due() == 0
    with (
        clock.travel(delivery.next_attempt_at + timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert webhooks_retry_due() == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 2
    assert len(webhook_receiver.requests) == 2
    bodies = {request["body"] for request in webhook_receiver.requests}
    assert len(bodies) == 1  # The same event, not a new one.


def test_delivery_fails_for_good_after_the_last_attempt(
    erp, webhook_receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    webhook_receiver.answers = [500, 500]
    [delivery] = publish(django_capture_on_commit_callbacks)

    delivery.refresh_from_db()
    with (
        clock.travel(delivery.next_attempt_at + timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        webhooks_retry_due()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 2
    assert delivery.next_attempt_at is None


def test_unreachable_receiver_is_recorded_as_an_error(
    db, webhook_receiver, django_capture_on_commit_callbacks
):
    webhook_receiver.server.server_close()
    WebhookSubscription.objects.create(
        event_type="refund.approved", target_url=webhook_receiver.url, secret=SECRET
    )

    [delivery] = publish(django_capture_on_commit_callbacks)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.response_code is None
    assert delivery.last_error


def test_redirect_is_not_followed(
    erp, webhook_receiver, django_capture_on_commit_callbacks
):
    webhook_receiver.answers = [302]

    [delivery] = publish(django_capture_on_commit_callbacks)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.response_code == 302
    assert len(webhook_receiver.requests) == 1


def test_operator_redelivers_a_failed_delivery(
    erp, webhook_receiver, django_capture_on_commit_callbacks
):
    delivery = WebhookDelivery.objects.create(
        subscription=erp,
        event_id="7b0b4f5e-5d8b-4a0e-9a44-0f6e0c1d2a3b",
        event_type="refund.approved",
        payload={"reference": "RF-2026-000002"},
        status=DeliveryStatus.FAILED,
        attempts=8,
    )
    operator = UserFactory(username="sam", is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        webhook_redeliver(delivery_id=delivery.pk, actor=operator)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(webhook_receiver.requests) == 1
    with pytest.raises(Conflict):
        webhook_redeliver(delivery_id=delivery.pk, actor=operator)


def test_signature_with_an_old_timestamp_is_refused():
    body = b'{"id": "x"}'
    old = int((clock.now() - timedelta(minutes=10)).timestamp())

    assert not verify(SECRET, str(old), body, sign(SECRET, old, body))


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()

    assert sign("k", 1700000000, b"{}") == f"sha256={expected}"
