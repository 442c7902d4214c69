"""When the audit trail is sealed into its hash chain: once per transaction,
after it commits."""

import importlib

import pytest
from django.db import transaction

from refunds.models import AuditEvent, AuditSeal, UnsealedEvent
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


def test_an_event_waits_on_the_unsealed_list_until_it_is_sealed(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        event = audit_record(actor=alice, action="test.waiting", obj=alice)

    assert list(UnsealedEvent.objects.values_list("event_id", flat=True)) == [event.pk]

    assert audit_seal_pending() == 1
    assert not UnsealedEvent.objects.exists()
    assert AuditSeal.objects.get().event == event


def test_events_a_lost_seal_pass_left_are_sealed_by_the_next_in_id_order(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = audit_record(actor=alice, action="test.first", obj=alice)
        second = audit_record(actor=alice, action="test.second", obj=alice)

    audit_seal_pending()

    seals = list(AuditSeal.objects.order_by("position").values_list("event", flat=True))
    assert seals == [first.pk, second.pk]
    assert audit_verify(seal_first=False).intact


def test_a_listed_event_that_already_has_a_seal_does_not_stop_the_chain(alice):
    sealed = audit_record(actor=alice, action="test.sealed", obj=alice)
    audit_seal_pending()
    UnsealedEvent.objects.create(event=sealed)
    later = audit_record(actor=alice, action="test.later", obj=alice)

    assert audit_seal_pending() == 1
    assert later.seal.position == sealed.seal.position + 1
    assert not UnsealedEvent.objects.exists()


def test_the_migration_lists_the_events_recorded_without_a_seal(alice):
    from django.apps import apps

    listed = importlib.import_module(
        "refunds.migrations.0009_list_events_waiting_for_a_seal"
    )
    sealed = audit_record(actor=alice, action="test.sealed", obj=alice)
    audit_seal_pending()
    waiting = audit_record(actor=alice, action="test.waiting", obj=alice)
    UnsealedEvent.objects.all().delete()

    listed.list_unsealed(apps, None)

    assert list(UnsealedEvent.objects.values_list("event_id", flat=True)) == [
        waiting.pk
    ]
    assert sealed.seal is not None
