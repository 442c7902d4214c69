"""Metrics an operator scrapes at /metrics, in Prometheus format.

Counters live in the process that counts them. With several web or worker
processes on one host, set PROMETHEUS_MULTIPROC_DIR to a shared, emptied
folder so that one scrape sums them all. Gauges of rows in the database
(outbox, webhook deliveries) are read at scrape time and are the same from
every process.
"""

import logging
import os

from django.db.models import Count
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "parkportal_http_requests_total",
    "HTTP requests answered, by route pattern and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "parkportal_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern.",
    ["method", "route"],
)
REFUND_TRANSITIONS = Counter(
    "parkportal_refund_transitions_total",
    "Refund transitions committed, by transition name.",
    ["name"],
)
CELERY_TASKS = Counter(
    "parkportal_celery_tasks_total",
    "Celery task runs by outcome (success, failure, retry).",
    ["task", "outcome"],
)


class DatabaseGauges:
    """Rows an operator watches, counted at scrape time."""

    def collect(self):
        from parkportal.core.models import (
            DeliveryStatus,
            OutboxMessage,
            OutboxStatus,
            WebhookDelivery,
        )

        outbox = GaugeMetricFamily(
            "parkportal_outbox_messages",
            "Outbox messages waiting to be published (pending) or given up (dead).",
            labels=["status"],
        )
        counts = _counts(OutboxMessage, [OutboxStatus.PENDING, OutboxStatus.DEAD])
        for status, count in counts.items():
            outbox.add_metric([status], count)
        yield outbox

        webhooks = GaugeMetricFamily(
            "parkportal_webhook_deliveries",
            "Webhook deliveries not yet delivered, by status.",
            labels=["status"],
        )
        waiting = [
            DeliveryStatus.PENDING,
            DeliveryStatus.RETRYING,
            DeliveryStatus.FAILED,
        ]
        for status, count in _counts(WebhookDelivery, waiting).items():
            webhooks.add_metric([status], count)
        yield webhooks


def _counts(model, statuses) -> dict[str, int]:
    rows = (
        model.objects.filter(status__in=statuses)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    found = dict(rows)
    return {str(status): found.get(status, 0) for status in statuses}


_database_registry = CollectorRegistry()
_database_registry.register(DatabaseGauges())


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    return generate_latest(processes) + _database_exposition()


def _database_exposition() -> bytes:
    # A database outage must not take the process metrics down with it:
    # those are what an operator reads to understand the outage.
    try:
        return generate_latest(_database_registry)
    except Exception as exc:
        logger.warning("metrics: database gauges skipped: %s", type(exc).__name__)
        return b""
