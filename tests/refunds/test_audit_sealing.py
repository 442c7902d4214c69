"""When the audit trail is sealed into its hash chain: once per transaction,
after it commits."""

import pytest
from django.db import transaction

from refunds.models import AuditEvent
from refunds.services.audit import audit_record, audit_seal_pending, audit_verify

pytestmark = pytest.mark.django_db


class Abandoned(Exception):
    pass


def _seal_passes(callbacks) -> int:
    return sum(callback is audit_seal_pending for callback in callbacks)


def test_one_seal_pass_after_commit_seals_every_event_of_a_transaction(
    cases, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        cases.draft()

    assert AuditEvent.objects.count() == 4
    assert _seal_passes(callbacks) == 1
    assert not AuditEvent.objects.filter(seal__isnull=True).exists()
    assert audit_verify(seal_first=False).intact


def test_events_after_a_rolled_back_savepoint_are_still_sealed(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Abandoned), transaction.atomic():
            audit_record(actor=alice, action="test.abandoned", obj=alice)
            raise Abandoned
        audit_record(actor=alice, action="test.kept", obj=alice)

    assert _seal_passes(callbacks) == 1
    kept = AuditEvent.objects.get()
    assert kept.action == "test.kept"
    assert kept.seal is not None
