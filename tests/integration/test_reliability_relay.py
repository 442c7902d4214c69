"""Several outbox relays at once on a real PostgreSQL: each message is
published by exactly one of them."""

import os
import threading

import pytest
from celery import current_app
from django.db import connection

from parkportal.core.models import OutboxMessage, OutboxStatus
from parkportal.core.outbox import relay_due
from tests.core.conftest import RECORDED

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (DATABASE_URL=postgres://...)",
    ),
]

MESSAGES = 300
RELAYS = 4


@pytest.fixture
def tasks_in_process():
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    RECORDED.clear()
    yield RECORDED
    current_app.conf.task_always_eager = eager
    RECORDED.clear()


def test_concurrent_relays_publish_each_message_once(
    transactional_db, tasks_in_process
):
    OutboxMessage.objects.bulk_create(
        OutboxMessage(task="tests.core.record_call", kwargs={"n": n})
        for n in range(MESSAGES)
    )
    start = threading.Barrier(RELAYS)
    sent_by_relay = [0] * RELAYS

    def relay(index):
        try:
            start.wait(timeout=20)
            sent_by_relay[index] = relay_due(limit=25)
        finally:
            connection.close()

    threads = [threading.Thread(target=relay, args=(i,)) for i in range(RELAYS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    published = sorted(call["n"] for call in tasks_in_process)
    assert published == list(range(MESSAGES))
    assert sum(sent_by_relay) == MESSAGES
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.SENT).exists()
    print(f"relays: {RELAYS}, messages: {MESSAGES}, sent by each: {sent_by_relay}")
