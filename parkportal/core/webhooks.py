"""Outgoing webhooks for the park's other systems (ERP, bank gateway).

`webhooks_publish(event_type, payload)` writes one delivery per active
subscription and queues it through the outbox, in the caller's
transaction: an event that rolls back is never announced. Each attempt
POSTs the JSON body signed with HMAC-SHA256 over `timestamp.body`; a
failed attempt is retried with backoff by a periodic sweep until a bound,
and every attempt is logged on the delivery.
"""

import hashlib
import hmac
import json
import logging
import random
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from parkportal.core import clock
from parkportal.core.errors import Conflict, NotFound
from parkportal.core.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from parkportal.core.outbox import outbox_enqueue

logger = logging.getLogger(__name__)

DELIVER_TASK = "parkportal.core.tasks.deliver_webhook"

# The events apps announce; the admin offers these when subscribing.
# An app that announces a new event type adds it here.
EVENT_TYPES = (
    "refund.submitted",
    "refund.approved",
    "refund.rejected",
    "refund.withdrawn",
    "refund.disbursed",
    "refund.disbursement_failed",
    "refund.closed",
    "batch.authorised",
)

SIGNATURE_HEADER = "X-Parkportal-Signature"
TIMESTAMP_HEADER = "X-Parkportal-Timestamp"
EVENT_HEADER = "X-Parkportal-Event"
DELIVERY_HEADER = "X-Parkportal-Delivery"
# How old a timestamp a receiver should still accept; older ones may be
# replays of a captured request.
SIGNATURE_TOLERANCE_SECONDS = 300


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute the signature and check that the
    timestamp is recent."""
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        return False
    age = abs(clock.now().timestamp() - moment)
    if age > SIGNATURE_TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, moment, body), signature or "")


def webhooks_publish(event_type: str, payload: dict) -> list[WebhookDelivery]:
    """Announce an event to every active subscription of its type."""
    event_id = uuid.uuid4()
    subscriptions = WebhookSubscription.objects.filter(
        event_type=event_type, is_active=True
    )
    deliveries = []
    for subscription in subscriptions:
        delivery = WebhookDelivery.objects.create(
            subscription=subscription,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
        )
        _queue(delivery)
        deliveries.append(delivery)
    return deliveries


def _queue(delivery: WebhookDelivery) -> None:
    # One outbox key per attempt: a sweep that runs twice for the same
    # attempt queues it once.
    outbox_enqueue(
        task=DELIVER_TASK,
        kwargs={"delivery_id": delivery.pk},
        key=f"webhook:{delivery.pk}:{delivery.attempts + 1}",
    )


def body_of(delivery: WebhookDelivery) -> bytes:
    document = {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A receiver answers where it was asked; following a redirect would
    # let a subscription bounce signed events to another host.
    def redirect_request(self, *args, **kwargs):
        return None


def post_json(url: str, body: bytes, headers: dict, timeout: float) -> int:
    """The edge of the system: POST and return the response code. Raises
    OSError (urllib.error.URLError) when no answer came back."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(_("A webhook URL must use http or https."))
    # bandit B310 warns that urllib also opens file: and ftp: URLs; the
    # scheme is checked above.
    request = urllib.request.Request(  # nosec B310
        url, data=body, headers=headers, method="POST"
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:  # nosec B310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """Make one attempt at a delivery; safe to run twice."""
    with transaction.atomic():
        # A retry sweep and an operator's redelivery can queue the same
        # delivery at once. The lock makes the second worker skip it while
        # the first is sending, and the status check turns it into a no-op
        # once the first has succeeded. It is held across the HTTP call:
        # one attempt in flight per delivery, for the price of a database
        # connection held up to WEBHOOK_TIMEOUT_SECONDS.
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in (
            DeliveryStatus.DELIVERED,
            DeliveryStatus.FAILED,
        ):
            return delivery
        _attempt(delivery)
    return delivery


def _attempt(delivery: WebhookDelivery) -> None:
    subscription = delivery.subscription
    body = body_of(delivery)
    timestamp = int(clock.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "parkportal-webhooks/1",
        EVENT_HEADER: delivery.event_type,
        DELIVERY_HEADER: str(delivery.event_id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(subscription.secret, timestamp, body),
    }
    delivery.attempts += 1
    try:
        code = post_json(
            subscription.target_url,
            body,
            headers,
            timeout=_setting("WEBHOOK_TIMEOUT_SECONDS", 10),
        )
    except (OSError, ValueError) as exc:
        delivery.response_code = None
        _failed(delivery, f"{type(exc).__name__}: {exc}")
        return

    delivery.response_code = code
    if 200 <= code < 300:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = clock.now()
        delivery.next_attempt_at = None
        delivery.last_error = ""
        delivery.save()
        return
    _failed(delivery, _("The receiver answered %(code)s.") % {"code": code})


def _failed(delivery: WebhookDelivery, error: str) -> None:
    delivery.last_error = error[:2000]
    if delivery.attempts >= _setting("WEBHOOK_MAX_ATTEMPTS", 8):
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        logger.error(
            "webhook delivery %s to subscription %s failed for good: %s",
            delivery.pk,
            delivery.subscription_id,
            delivery.last_error,
        )
    else:
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = clock.now() + _backoff(delivery.attempts)
        logger.warning(
            "webhook delivery %s to subscription %s failed, attempt %s: %s",
            delivery.pk,
            delivery.subscription_id,
            delivery.attempts,
            delivery.last_error,
        )
    delivery.save()


def _backoff(attempts: int) -> timedelta:
    base = _setting("WEBHOOK_RETRY_BASE_SECONDS", 60)
    cap = _setting("WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600)
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    # Jitter, not a secret: the standard generator is right here (B311).
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))  # nosec B311


def webhooks_retry_due(limit: int = 200) -> int:
    """Queue the next attempt of every delivery whose backoff has passed;
    the body of the periodic sweep."""
    with transaction.atomic():
        # Two sweeps at once (a beat that fired twice, an operator running
        # it by hand) each take the rows the other has not locked.
        due = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.RETRYING, next_attempt_at__lte=clock.now())
            .order_by("next_attempt_at")[:limit]
        )
        for delivery in due:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = None
            delivery.save(update_fields=["status", "next_attempt_at"])
            _queue(delivery)
    return len(due)


def webhook_redeliver(*, delivery_id: int, actor) -> WebhookDelivery:
    """An operator sends a delivery that failed for good once more."""
    with transaction.atomic():
        # Two operators pressing redeliver at once queue it once: the
        # second waits here, then finds it pending and is refused.
        delivery = (
            WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        )
        if delivery is None:
            raise NotFound(_("This webhook delivery does not exist."))
        if delivery.status != DeliveryStatus.FAILED:
            raise Conflict(
                _("Only a failed delivery can be sent again."),
                code="webhook_not_failed",
            )

        delivery.status = DeliveryStatus.PENDING
        delivery.save(update_fields=["status"])
        _queue(delivery)
        logger.info("webhook delivery %s redelivered by user %s", delivery.pk, actor.pk)
    return delivery
