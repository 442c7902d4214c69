"""The audit trail of the seeded history.

Every step of a case writes an audit event beside its timeline entry, and
the events are sealed into the hash chain after they commit. A park a year
into using parkportal holds millions of them, so the benchmark seeds one
event per timeline entry (the events in SQL, the seals in Python, where
the hashes are computed exactly as parkportal computes them) after the
events already there.
"""

import json
import time

from django.db import connection, transaction

from bench.seed import _copy
from parkportal.core import clock
from refunds.models import AuditEvent, AuditSeal
from refunds.services.audit import GENESIS_HASH

SEAL_COLUMNS = ["position", "event_id", "previous_hash", "hash", "sealed_at"]
EVENT_COLUMNS = (
    "id, occurred_at, actor_id, actor_name, on_behalf_of_id, action, object_type, "
    "object_id, refund_id, before, after"
)
INSERT_EVENTS = """
INSERT INTO refunds_auditevent (occurred_at, actor_id, actor_name, on_behalf_of_id,
    action, object_type, object_id, refund_id, before, after)
SELECT t.created_at, t.actor_id, COALESCE(u.username, 'system'), t.on_behalf_of_id,
    'refund.' || t.kind, 'refunds.refundrequest', t.refund_id::text, t.refund_id,
    jsonb_build_object('state', t.state_before),
    jsonb_build_object('state', t.state_after) || t.params
FROM refunds_timelineentry t LEFT JOIN accounts_user u ON u.id = t.actor_id
ORDER BY t.created_at, t.id
"""
CHUNK = 20_000


def seed_audit_trail() -> dict:
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM refunds_auditevent")
        (last_id,) = cursor.fetchone()
        cursor.execute(INSERT_EVENTS)
        events = cursor.rowcount
    seals = _seal_from(last_id)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE refunds_auditevent")
        cursor.execute("ANALYZE refunds_auditseal")
    elapsed = time.perf_counter() - started
    return {
        "audit_events": events,
        "audit_seals": seals,
        "seconds": round(elapsed, 1),
        "rows_per_second": round((events + seals) / elapsed),
    }


def _seal_from(last_id: int) -> int:
    """Chain the events after `last_id` onto the head of the chain."""
    head = AuditSeal.objects.order_by("-position").first()
    position = head.position if head else 0
    previous = head.hash if head else GENESIS_HASH
    sealed_at = clock.now()
    count = 0
    with transaction.atomic(), connection.connection.cursor("audit_events") as events:
        events.itersize = CHUNK
        events.execute(
            f"SELECT {EVENT_COLUMNS} FROM refunds_auditevent WHERE id > %s ORDER BY id",
            [last_id],
        )
        chunk = []
        for row in events:
            fields = dict(zip(EVENT_COLUMNS.split(", "), row, strict=True))
            # Django reads jsonb as text and decodes it in the field.
            fields["before"] = json.loads(fields["before"])
            fields["after"] = json.loads(fields["after"])
            event = AuditEvent(**fields)
            position += 1
            link = AuditSeal.link(previous, event.content_digest())
            chunk.append((position, event.pk, previous, link, sealed_at))
            previous = link
            if len(chunk) == CHUNK:
                count += _copy("refunds_auditseal", SEAL_COLUMNS, chunk)
                chunk = []
        count += _copy("refunds_auditseal", SEAL_COLUMNS, chunk)
    return count
