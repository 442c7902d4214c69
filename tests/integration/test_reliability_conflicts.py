"""Serialization failures and deadlocks on a real PostgreSQL, provoked on
purpose with two connections (two threads), retried by retry_on_conflict,
and answered 409 by the API when the retries run out."""

import os
import threading

import pytest
from django.db import OperationalError, connection
from django.db.models import F
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from parkportal.core.db import (
    DEADLOCK_DETECTED,
    SERIALIZATION_FAILURE,
    is_retryable_conflict,
    retry_on_conflict,
)
from parkportal.core.models import OutboxMessage

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (DATABASE_URL=postgres://...)",
    ),
]


@pytest.fixture
def rows(transactional_db):
    first = OutboxMessage.objects.create(task="contended.first", kwargs={})
    second = OutboxMessage.objects.create(task="contended.second", kwargs={})
    return first.pk, second.pk


def run_in_threads(*targets):
    """Run each target in its own thread (its own database connection) and
    return what each returned or raised."""
    results = [None] * len(targets)

    def runner(index, target):
        try:
            results[index] = target()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=runner, args=(index, target))
        for index, target in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def crossing_locks(first_pk, second_pk, barrier, calls, attempts):
    """Lock one row, wait for the other thread to lock the other row, then
    lock the other one: the two transactions wait for each other."""

    @retry_on_conflict(attempts=attempts, base_delay=0.05)
    def work():
        calls.append(threading.get_ident())
        OutboxMessage.objects.select_for_update().get(pk=first_pk)
        if calls.count(threading.get_ident()) == 1:
            barrier.wait(timeout=20)
        OutboxMessage.objects.select_for_update().get(pk=second_pk)
        OutboxMessage.objects.filter(pk=second_pk).update(attempts=F("attempts") + 1)
        return "done"

    return work


def test_deadlock_is_retried_until_both_transactions_commit(rows):
    first, second = rows
    barrier, calls = threading.Barrier(2), []

    results = run_in_threads(
        crossing_locks(first, second, barrier, calls, attempts=4),
        crossing_locks(second, first, barrier, calls, attempts=4),
    )

    assert results == ["done", "done"]
    # PostgreSQL aborted one of the two once; its retry then went through.
    assert len(calls) == 3
    attempts = OutboxMessage.objects.filter(pk__in=rows).values_list(
        "attempts", flat=True
    )
    assert sorted(attempts) == [1, 1]


def test_deadlock_without_retries_left_is_a_retryable_conflict(rows):
    first, second = rows
    barrier, calls = threading.Barrier(2), []

    results = run_in_threads(
        crossing_locks(first, second, barrier, calls, attempts=1),
        crossing_locks(second, first, barrier, calls, attempts=1),
    )

    [error] = [result for result in results if isinstance(result, Exception)]
    assert isinstance(error, OperationalError)
    assert error.__cause__.pgcode == DEADLOCK_DETECTED
    assert is_retryable_conflict(error)
    assert results.count("done") == 1


def concurrent_increments(pk, barrier, calls, attempts):
    """Read under REPEATABLE READ, wait until the other transaction has read
    too, then write: the second writer's snapshot is stale."""

    @retry_on_conflict(attempts=attempts, base_delay=0.05)
    def work():
        calls.append(threading.get_ident())
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        seen = OutboxMessage.objects.get(pk=pk).attempts
        if calls.count(threading.get_ident()) == 1:
            barrier.wait(timeout=20)
        OutboxMessage.objects.filter(pk=pk).update(attempts=seen + 1)
        return "done"

    return work


def test_serialization_failure_is_retried_and_no_update_is_lost(rows):
    pk = rows[0]
    barrier, calls = threading.Barrier(2), []

    results = run_in_threads(
        concurrent_increments(pk, barrier, calls, attempts=4),
        concurrent_increments(pk, barrier, calls, attempts=4),
    )

    assert results == ["done", "done"]
    assert len(calls) == 3
    assert OutboxMessage.objects.get(pk=pk).attempts == 2


def test_serialization_failure_is_recognised(rows):
    pk = rows[0]
    barrier, calls = threading.Barrier(2), []

    results = run_in_threads(
        concurrent_increments(pk, barrier, calls, attempts=1),
        concurrent_increments(pk, barrier, calls, attempts=1),
    )

    [error] = [result for result in results if isinstance(result, Exception)]
    assert error.__cause__.pgcode == SERIALIZATION_FAILURE
    assert is_retryable_conflict(error)


class CrossingView(APIView):
    """An endpoint whose transaction deadlocks with its twin and has no
    retries left, as under heavy contention."""

    authentication_classes = []
    permission_classes = []
    first = second = None
    barrier = None
    calls = None

    def post(self, request):
        crossing_locks(self.first, self.second, self.barrier, self.calls, 1)()
        return Response({"ok": True})


def test_api_answers_an_exhausted_deadlock_with_409_not_500(rows):
    first, second = rows
    barrier, calls = threading.Barrier(2), []
    factory = APIRequestFactory()

    def call(a, b):
        view = CrossingView.as_view(first=a, second=b, barrier=barrier, calls=calls)
        return lambda: view(factory.post("/crossing/", {}, format="json"))

    responses = run_in_threads(call(first, second), call(second, first))

    assert sorted(response.status_code for response in responses) == [200, 409]
    [refused] = [response for response in responses if response.status_code == 409]
    assert refused.data["code"] == "conflict_retry"
    assert refused["Retry-After"] == "1"


def test_retry_on_conflict_inside_an_outer_transaction_runs_once(rows):
    from django.db import transaction

    calls = []

    @retry_on_conflict
    def work():
        calls.append(1)
        return connection.in_atomic_block

    with transaction.atomic():
        assert work() is True

    assert calls == [1]
