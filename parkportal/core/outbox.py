"""Transactional outbox: side effects that commit with the change.

A service calls `outbox_enqueue(task=..., kwargs=...)` inside its
transaction. The row commits or rolls back with the change; after commit
the relay publishes it to Celery and marks it sent. When the broker is
down the row stays pending with a next attempt time, and the periodic
sweep (`parkportal.core.tasks.relay_outbox`) publishes it later, with
exponential backoff, until a bounded number of attempts moves it to the
dead letters an operator can replay.

Delivery is at least once: a relay that published a message and then lost
its database connection before marking it sent publishes it again on the
next sweep. Tasks are written to be safe to run twice.
"""

import json
import logging
import random
import time
from datetime import timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnavailable

from parkportal.core import clock
from parkportal.core.errors import Conflict, NotFound
from parkportal.core.logging import bound_request_id, current_request_id
from parkportal.core.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_BATCHES_PER_SWEEP = 50

# When did this process last fail to reach the broker, as time.monotonic().
# For a short pause after that, the on-commit hook leaves messages to the
# sweep instead of making every request try another refused connection.
_broker_failed_at: float | None = None


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def outbox_enqueue(*, task: str, kwargs: dict, key: str | None = None) -> OutboxMessage:
    """Queue `task(**kwargs)` to run after the caller's transaction commits.

    With a `key`, a second call with the same key (in this transaction or
    any later one) returns the first message instead of queueing another.
    """
    json.dumps(kwargs)  # Fail in the caller, not in the relay.
    values = {"task": task, "kwargs": kwargs, "request_id": current_request_id()}
    if key is None:
        message = OutboxMessage.objects.create(**values)
    else:
        message, created = _create_once(key, values)
        if not created:
            return message
    transaction.on_commit(partial(relay_message, message.pk), robust=True)
    return message


def _create_once(key: str, values: dict) -> tuple[OutboxMessage, bool]:
    try:
        # The savepoint keeps the caller's transaction usable when the key
        # is taken. On PostgreSQL a concurrent insert of the same key waits
        # here until the other transaction ends, then fails, so the key
        # yields one message even under a race.
        with transaction.atomic():
            return OutboxMessage.objects.create(key=key, **values), True
    except IntegrityError:
        return OutboxMessage.objects.get(key=key), False


def relay_message(message_id: int) -> int:
    """Publish one message now; the on-commit hook of outbox_enqueue."""
    if _broker_recently_failed():
        return 0
    return _relay(OutboxMessage.objects.filter(pk=message_id))


def _note_broker(*, available: bool) -> None:
    global _broker_failed_at
    _broker_failed_at = None if available else time.monotonic()


def _broker_recently_failed() -> bool:
    if _broker_failed_at is None:
        return False
    pause = _setting("OUTBOX_BROKER_PAUSE_SECONDS", 10)
    return time.monotonic() - _broker_failed_at < pause


def relay_due(limit: int = BATCH_SIZE) -> int:
    """Publish the pending messages whose next attempt is due; the body of
    the periodic sweep. Returns how many were sent."""
    due = OutboxMessage.objects.filter(next_attempt_at__lte=clock.now()).order_by(
        "next_attempt_at", "id"
    )
    total = 0
    # Bounded, so that a sweep always ends even if messages keep failing
    # with no delay configured between attempts.
    for _batch in range(MAX_BATCHES_PER_SWEEP):
        sent, more = _relay_batch(due, limit)
        total += sent
        if not more:
            break
    return total


def _relay(queryset) -> int:
    sent, _more = _relay_batch(queryset, BATCH_SIZE)
    return sent


def _relay_batch(queryset, limit: int) -> tuple[int, bool]:
    """Publish up to `limit` messages; return how many were sent and
    whether another batch may find more."""
    with transaction.atomic():
        # Several relays run at once: the on-commit hook in each web
        # process and the sweep in a worker. SKIP LOCKED lets each take
        # only rows no other relay holds, so a message is published by one
        # of them and the others move on instead of waiting or publishing
        # it a second time. The status filter is evaluated after the lock,
        # so a row another relay just marked sent is not taken either.
        messages = list(
            queryset.select_for_update(skip_locked=True).filter(
                status=OutboxStatus.PENDING
            )[:limit]
        )
        sent = 0
        for message in messages:
            if _attempt(message):
                sent += 1
            elif _broker_failed_at is not None:
                # The broker is unreachable: trying the rest now would only
                # cost each of them another refused connection. They stay
                # due for the next sweep.
                return sent, False
    return sent, len(messages) == limit


def _attempt(message: OutboxMessage) -> bool:
    now = clock.now()
    message.attempts += 1
    message.updated_at = now
    try:
        # A savepoint: a task run in process (no broker) that breaks its
        # own database work must not break the relay's transaction.
        with transaction.atomic():
            _publish(message)
    except BrokerUnavailable as exc:
        _note_broker(available=False)
        _record_failure(message, exc, now)
        return False
    except Exception as exc:
        _record_failure(message, exc, now)
        return False

    _note_broker(available=True)
    message.status = OutboxStatus.SENT
    message.sent_at = now
    message.last_error = ""
    message.save(
        update_fields=["status", "sent_at", "last_error", "attempts", "updated_at"]
    )
    return True


def _publish(message: OutboxMessage) -> None:
    with bound_request_id(message.request_id):
        registered = _registered_task(message.task)
        # retry=False: the outbox is the retry loop; Celery's own publish
        # retries would only hold the caller up while the broker is down.
        if registered is not None:
            # Runs the task in process when there is no broker (eager).
            registered.apply_async(kwargs=message.kwargs, retry=False)
        elif current_app.conf.task_always_eager:
            raise LookupError(f"task {message.task} is not registered")
        else:
            current_app.send_task(message.task, kwargs=message.kwargs, retry=False)


def _registered_task(name: str):
    if name not in current_app.tasks:
        # A web process has not imported the apps' tasks modules (Celery
        # discovers them lazily, when a worker starts); import them now.
        current_app.loader.import_default_modules()
    return current_app.tasks.get(name)


def backoff(attempts: int) -> timedelta:
    """Delay before attempt number `attempts + 1`: doubling from the base,
    capped, with jitter so that messages queued together during an outage
    do not all hit the broker in the same second when it returns."""
    base = _setting("OUTBOX_RETRY_BASE_SECONDS", 30)
    cap = _setting("OUTBOX_RETRY_MAX_SECONDS", 3600)
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    # Jitter, not a secret: the standard generator is right here (B311).
    return timedelta(seconds=delay * random.uniform(0.5, 1.0))  # nosec B311


def _record_failure(message: OutboxMessage, exc: Exception, now) -> None:
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if message.attempts >= _setting("OUTBOX_MAX_ATTEMPTS", 10):
        message.status = OutboxStatus.DEAD
        logger.error(
            "outbox message %s (%s) dead after %s attempts: %s",
            message.pk,
            message.task,
            message.attempts,
            message.last_error,
        )
    else:
        message.next_attempt_at = now + backoff(message.attempts)
        logger.warning(
            "outbox message %s (%s) not published, attempt %s: %s",
            message.pk,
            message.task,
            message.attempts,
            message.last_error,
        )
    message.save(
        update_fields=[
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "updated_at",
        ]
    )


def outbox_bury(*, task: str, kwargs: dict, error: str) -> OutboxMessage:
    """Record a task that failed for good on a worker, so that it joins the
    dead letters and an operator can replay it."""
    now = clock.now()
    return OutboxMessage.objects.create(
        task=task,
        kwargs=kwargs,
        status=OutboxStatus.DEAD,
        last_error=error[:2000],
        request_id=current_request_id(),
        created_at=now,
        updated_at=now,
    )


def outbox_replay(*, message_id: int, actor) -> OutboxMessage:
    """Give a dead message a fresh set of attempts, starting now."""
    with transaction.atomic():
        # Two operators replaying the same message at once: the second
        # waits, then finds it pending and is refused, so it is queued once.
        message = (
            OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        )
        if message is None:
            raise NotFound(_("This outbox message does not exist."))
        if message.status != OutboxStatus.DEAD:
            raise Conflict(
                _("Only a dead message can be replayed."), code="outbox_not_dead"
            )

        message.status = OutboxStatus.PENDING
        message.attempts = 0
        message.next_attempt_at = message.updated_at = clock.now()
        message.save(
            update_fields=["status", "attempts", "next_attempt_at", "updated_at"]
        )
        logger.info(
            "outbox message %s (%s) replayed by user %s",
            message.pk,
            message.task,
            actor.pk,
        )
        transaction.on_commit(partial(relay_message, message.pk), robust=True)
    return message


def outbox_purge_sent(*, older_than: timedelta) -> int:
    """Delete messages sent longer ago than `older_than`; pending and dead
    ones stay until they are sent or replayed."""
    cutoff = clock.now() - older_than
    deleted, _by_model = OutboxMessage.objects.filter(
        status=OutboxStatus.SENT, sent_at__lt=cutoff
    ).delete()
    return deleted
