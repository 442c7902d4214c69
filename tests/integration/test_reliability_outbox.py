"""The outbox and webhooks through a real Celery worker process, a real
Redis broker and PostgreSQL: effects queued in committed transactions run
once, and a broker outage delays them without losing any."""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery import current_app
from django.db import connection, transaction
from kombu import pools as kombu_pools

from parkportal.core import clock, outbox
from parkportal.core.logging import bound_request_id
from parkportal.core.models import (
    DeliveryStatus,
    OutboxMessage,
    OutboxStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from parkportal.core.outbox import outbox_enqueue, relay_due
from parkportal.core.webhooks import (
    DELIVER_TASK,
    verify,
    webhooks_publish,
    webhooks_retry_due,
)
from refunds.models import ApprovalThreshold
from tests.core.conftest import Receiver
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
SECRET = "bank-gateway-secret-42"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (DATABASE_URL=postgres://...)",
    ),
    pytest.mark.skipif(not BROKER_URL, reason="needs CELERY_BROKER_URL (Redis)"),
]


def wait_for(condition, timeout=60.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


class Worker:
    """`celery worker` in a subprocess, on the test database and a queue of
    its own, logging JSON lines to a file."""

    def __init__(self, broker_url: str, queue: str):
        self.log = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": _test_database_url(),
            "CELERY_BROKER_URL": broker_url,
            "LOG_FORMAT": "json",
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "parkportal",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            # The test tasks (tests.core.always_fails, ...) as well.
            "--include",
            "tests.core.conftest",
        ]
        with self.log.open("w") as output:
            self.process = subprocess.Popen(  # nosec B603
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
            )

    def text(self) -> str:
        return self.log.read_text()

    def wait_ready(self):
        if not wait_for(
            lambda: " ready." in self.text() or self.process.poll() is not None
        ):
            raise AssertionError("worker did not start:\n" + self.text())
        if self.process.poll() is not None:
            raise AssertionError("worker exited:\n" + self.text())

    def json_lines(self) -> list[dict]:
        lines = []
        for line in self.text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.unlink(missing_ok=True)


def _test_database_url() -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def _reset_producer_pools(app):
    # kombu keeps its connection pools per broker URL, process-wide; drop
    # them so that the next publish connects to the broker now configured.
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def _delete_queue(broker_url: str, queue: str) -> None:
    # Leave the broker as the test found it: the queue's list and the
    # binding sets of its exchange (Celery names the exchange after the
    # queue). A broker the test already stopped has nothing to clean.
    keys = [queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"]
    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(broker_url, socket_connect_timeout=1).delete(*keys)


@pytest.fixture
def use_broker(transactional_db, monkeypatch):
    """Point this process's Celery app at a broker (tasks are published,
    not run in process) and at a queue only this test's worker reads."""
    app = current_app
    saved = (
        app.conf.broker_url,
        app.conf.task_always_eager,
        app.conf.task_default_queue,
    )
    queue = f"reliability-{uuid.uuid4().hex[:8]}"

    used = []

    def switch(url: str) -> str:
        used.append(url)
        _reset_producer_pools(app)
        # Celery reads CELERY_BROKER_URL from the environment before its
        # configuration.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        app.conf.broker_url = url
        app.conf.task_always_eager = False
        app.conf.task_default_queue = queue
        return queue

    yield switch
    for url in used:
        _delete_queue(url, queue)
    outbox._note_broker(available=True)
    _reset_producer_pools(app)
    app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue = saved


@pytest.fixture
def workers():
    started = []

    def start(broker_url: str, queue: str) -> Worker:
        worker = Worker(broker_url, queue)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def receiver():
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def gateway(receiver, transactional_db):
    return WebhookSubscription.objects.create(
        event_type="refund.approved", target_url=receiver.url, secret=SECRET
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A Redis of the test's own, on a port where nothing listens until the
    test starts it; the shared Redis is never touched."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = tempfile.mkdtemp(prefix="redis-outage-")
        self.running = False

    def start(self):
        subprocess.run(  # nosec B603 B607
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.folder,
                "--daemonize",
                "yes",
            ],
            check=True,
        )
        self.running = True
        assert wait_for(lambda: _answers(self.port), timeout=10)

    def stop(self):
        subprocess.run(  # nosec B603 B607
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"], check=False
        )
        self.running = False
        assert wait_for(lambda: not _answers(self.port), timeout=10)


@pytest.fixture
def private_redis():
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not installed")
    redis = PrivateRedis()
    yield redis
    if redis.running:
        redis.stop()
    shutil.rmtree(redis.folder, ignore_errors=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_webhook_queued_in_a_committed_transaction_is_delivered_once_by_the_worker(
    use_broker, workers, gateway, receiver
):
    queue = use_broker(BROKER_URL)
    worker = workers(BROKER_URL, queue)

    with bound_request_id("req-integration-1"), transaction.atomic():
        [delivery] = webhooks_publish(
            "refund.approved", {"reference": "RF-2026-000101"}
        )

    assert wait_for(lambda: len(receiver.requests) >= 1)
    time.sleep(1)  # Long enough for a duplicate to show up, were there one.
    [request] = receiver.requests
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert verify(
        SECRET,
        headers["x-parkportal-timestamp"],
        request["body"],
        headers["x-parkportal-signature"],
    )
    assert wait_for(
        lambda: (
            WebhookDelivery.objects.get(pk=delivery.pk).status
            == DeliveryStatus.DELIVERED
        )
    )
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    task_lines = [
        line
        for line in worker.json_lines()
        if line.get("request_id") == "req-integration-1"
    ]
    assert task_lines, worker.text()


def test_failed_delivery_is_retried_through_the_worker_and_logged_with_its_request_id(
    use_broker, workers, gateway, receiver
):
    queue = use_broker(BROKER_URL)
    worker = workers(BROKER_URL, queue)
    receiver.answers = [503]

    with bound_request_id("req-integration-2"), transaction.atomic():
        [delivery] = webhooks_publish(
            "refund.approved", {"reference": "RF-2026-000102"}
        )
    assert wait_for(
        lambda: (
            WebhookDelivery.objects.get(pk=delivery.pk).status
            == DeliveryStatus.RETRYING
        )
    )
    delivery.refresh_from_db()
    with clock.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        assert webhooks_retry_due() == 1

    assert wait_for(
        lambda: (
            WebhookDelivery.objects.get(pk=delivery.pk).status
            == DeliveryStatus.DELIVERED
        )
    )
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert len(receiver.requests) == 2
    warnings = [
        line
        for line in worker.json_lines()
        if line["level"] == "WARNING"
        and f"webhook delivery {delivery.pk}" in line["message"]
    ]
    assert [line["request_id"] for line in warnings] == ["req-integration-2"]


def test_broker_outage_delays_effects_and_loses_none(
    use_broker, workers, private_redis, cases, mark, receiver
):
    broker_url = private_redis.url
    queue = use_broker(broker_url)
    # The policy a data migration installs; an earlier transactional
    # test's flush may have emptied the table.
    ApprovalThreshold.objects.get_or_create(
        level="ops_manager", defaults={"position": 1, "min_amount_cny": 0}
    )
    WebhookSubscription.objects.create(
        event_type="refund.approved", target_url=receiver.url, secret=SECRET
    )

    # The broker is down: approvals still commit, their announcements wait.
    approved = [cases.approved([mark]) for _case in range(3)]

    # The webhook announcements are what the receiver will see; the
    # screening and the mail to the owners travel through the same outbox.
    announcements = OutboxMessage.objects.filter(task=DELIVER_TASK)
    assert announcements.count() == 3
    pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
    assert pending.count() == OutboxMessage.objects.count() > 3
    # The first relay met the refused connection; the later ones left their
    # message to the sweep rather than wait for the broker.
    attempts = list(
        OutboxMessage.objects.order_by("id").values_list("attempts", flat=True)
    )
    assert sum(attempts) == 1
    assert "Connection refused" in OutboxMessage.objects.get(attempts=1).last_error
    assert receiver.requests == []
    # A sweep while the broker is still down stops at the first refusal.
    with clock.travel(clock.now() + timedelta(hours=1)):
        assert relay_due() == 0
    assert sum(OutboxMessage.objects.values_list("attempts", flat=True)) == 2

    waiting = pending.count()
    private_redis.start()
    workers(broker_url, queue)
    with clock.travel(clock.now() + timedelta(hours=2)):
        assert relay_due() == waiting
        assert relay_due() == 0

    assert wait_for(lambda: len(receiver.requests) >= 3)
    time.sleep(1)
    references = sorted(doc["data"]["reference"] for doc in receiver.documents())
    assert references == sorted(refund.reference for refund in approved)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {
        OutboxStatus.SENT
    }
    assert wait_for(
        lambda: (
            set(WebhookDelivery.objects.values_list("status", flat=True))
            == {DeliveryStatus.DELIVERED}
        )
    )


def test_task_failing_for_good_on_the_worker_is_a_dead_letter_an_operator_replays(
    use_broker, workers, client
):
    queue = use_broker(BROKER_URL)
    workers(BROKER_URL, queue)

    with transaction.atomic():
        queued = outbox_enqueue(
            task="tests.core.always_fails", kwargs={"refund_id": 41}
        )

    assert wait_for(
        lambda: OutboxMessage.objects.filter(status=OutboxStatus.DEAD).exists()
    )
    dead = OutboxMessage.objects.get(status=OutboxStatus.DEAD)
    assert dead.task == "tests.core.always_fails"
    assert dead.kwargs == {"refund_id": 41}
    assert "the downstream service refused" in dead.last_error
    assert OutboxMessage.objects.get(pk=queued.pk).status == OutboxStatus.SENT

    client.force_login(UserFactory(username="sam", is_staff=True))
    listed = client.get("/api/v1/ops/outbox/dead/").json()["results"]
    replayed = client.post(f"/api/v1/ops/outbox/dead/{dead.pk}/replay/")

    assert [row["id"] for row in listed] == [dead.pk]
    assert replayed.status_code == 200
    # The replay ran the task on the worker again, which failed again and
    # left a new dead letter; the replayed one is now sent.
    assert wait_for(
        lambda: (
            OutboxMessage.objects.filter(status=OutboxStatus.DEAD)
            .exclude(pk=dead.pk)
            .exists()
        )
    )
    assert OutboxMessage.objects.get(pk=dead.pk).status == OutboxStatus.SENT


def test_readyz_follows_the_real_broker(transactional_db, client, settings):
    settings.CELERY_BROKER_URL = BROKER_URL
    ready = client.get("/readyz")
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_free_port()}/0"
    down = client.get("/readyz")

    assert ready.status_code == 200
    assert down.status_code == 503
    assert down.json()["failed"] == {"broker": "OperationalError"}


def _trace_lines(worker, task_name: str, word: str) -> list[dict]:
    return [
        line
        for line in worker.json_lines()
        if task_name in line["message"] and word in line["message"]
    ]


def test_passing_failure_is_retried_on_the_worker_until_it_succeeds(
    use_broker, workers
):
    queue = use_broker(BROKER_URL)
    worker = workers(BROKER_URL, queue)

    with transaction.atomic():
        outbox_enqueue(task="tests.core.flaky_call", kwargs={"fail_times": 2})

    assert wait_for(lambda: _trace_lines(worker, "tests.core.flaky_call", "succeeded"))
    assert len(_trace_lines(worker, "tests.core.flaky_call", "retry")) == 2
    assert not OutboxMessage.objects.filter(status=OutboxStatus.DEAD).exists()


def test_retries_on_the_worker_are_bounded_then_a_dead_letter(use_broker, workers):
    queue = use_broker(BROKER_URL)
    worker = workers(BROKER_URL, queue)

    with transaction.atomic():
        outbox_enqueue(task="tests.core.flaky_call", kwargs={"fail_times": 100})

    assert wait_for(
        lambda: OutboxMessage.objects.filter(status=OutboxStatus.DEAD).exists()
    )
    dead = OutboxMessage.objects.get(status=OutboxStatus.DEAD)
    assert dead.task == "tests.core.flaky_call"
    assert dead.kwargs == {"fail_times": 100}
    assert "server closed the connection" in dead.last_error
    assert len(_trace_lines(worker, "tests.core.flaky_call", "retry")) == 5


def test_worker_and_publisher_recover_when_the_broker_restarts(
    use_broker, workers, private_redis, gateway, receiver
):
    queue = use_broker(private_redis.url)
    private_redis.start()
    workers(private_redis.url, queue)
    with transaction.atomic():
        webhooks_publish("refund.approved", {"reference": "RF-2026-000201"})
    assert wait_for(lambda: len(receiver.requests) == 1)

    private_redis.stop()
    time.sleep(1)
    private_redis.start()
    with transaction.atomic():
        webhooks_publish("refund.approved", {"reference": "RF-2026-000202"})

    sweeps = []

    def delivered_after_sweeps() -> bool:
        # The first publish after the restart may meet a dead pooled
        # connection; the sweep sends what it left pending. Each sweep
        # runs a day later than the last, past any backoff.
        sweeps.append(1)
        with clock.travel(clock.now() + timedelta(days=len(sweeps))):
            relay_due()
        return len(receiver.requests) >= 2

    assert wait_for(delivered_after_sweeps, interval=1)
    time.sleep(1)
    references = [doc["data"]["reference"] for doc in receiver.documents()]
    assert references == ["RF-2026-000201", "RF-2026-000202"]
