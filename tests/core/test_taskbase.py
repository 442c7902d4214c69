"""RetryingTask in process. Its retries on a worker are proven in
tests/integration/test_reliability_outbox.py; run in process (no broker),
a passing failure goes back to the outbox, which tries again later."""

from parkportal.core.models import OutboxMessage, OutboxStatus
from parkportal.core.outbox import outbox_enqueue
from tests.core.conftest import flaky_call


def test_task_that_succeeds_runs_once(
    db, task_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(task="tests.core.flaky_call", kwargs={"refund_id": 4})

    assert task_calls == [{"refund_id": 4}]
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.SENT


def test_passing_failure_in_process_goes_back_to_the_outbox(
    db, task_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(
            task="tests.core.flaky_call", kwargs={"fail_times": 1, "refund_id": 4}
        )

    message = OutboxMessage.objects.get(pk=message.pk)
    assert message.status == OutboxStatus.PENDING
    assert "server closed the connection" in message.last_error


def test_tasks_are_acknowledged_after_they_ran():
    assert flaky_call.acks_late is True
    assert flaky_call.reject_on_worker_lost is True
    assert flaky_call.max_retries == 5
