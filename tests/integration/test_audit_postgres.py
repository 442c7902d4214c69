"""On PostgreSQL the audit tables refuse UPDATE and DELETE themselves; a
superuser who switches the trigger off is still caught by the hash
chain."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from refunds.models import AuditEvent, AuditSeal
from refunds.services.audit import audit_seal_pending

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def trail(cases, mark):
    refund = cases.approved([mark])
    audit_seal_pending()
    return refund


def _execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE refunds_auditevent SET actor_name = 'somebody-else' WHERE id = %s",
        "DELETE FROM refunds_auditevent WHERE id = %s",
        "UPDATE refunds_auditseal SET hash = repeat('f', 64) WHERE event_id = %s",
        "DELETE FROM refunds_auditseal WHERE event_id = %s",
    ],
)
def test_the_database_refuses_to_change_the_trail(trail, sql):
    event = AuditEvent.objects.filter(refund=trail).order_by("id").first()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _execute(sql, [event.pk])

    assert AuditEvent.objects.get(pk=event.pk).actor_name == event.actor_name
    assert AuditSeal.objects.filter(event=event).exists()


def test_an_orm_update_is_refused_too(trail):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(refund=trail).update(actor_name="x")


def test_a_superuser_tamper_with_the_trigger_off_is_found(trail):
    events = list(AuditEvent.objects.filter(refund=trail).order_by("id"))
    target = events[len(events) // 2]
    _execute("SET session_replication_role = replica", [])
    try:
        _execute(
            "UPDATE refunds_auditevent SET after = %s::jsonb WHERE id = %s",
            ['{"state": "approved", "amount": "9999999.00"}', target.pk],
        )
    finally:
        _execute("SET session_replication_role = origin", [])

    with pytest.raises(CommandError) as broken:
        call_command("verify_audit")

    assert broken.value.returncode == 1
    assert str(broken.value) == (
        f"Audit chain broken at link {target.seal.position} "
        f"(event {target.pk}): event content changed."
    )
