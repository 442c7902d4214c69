import pytest
from django.db import OperationalError, connection

from parkportal.core.db import is_retryable_conflict, retry_on_conflict


def test_retry_on_conflict_runs_the_function_in_a_transaction(db):
    @retry_on_conflict
    def work():
        return connection.in_atomic_block

    assert work() is True


def test_other_database_errors_are_not_retried(db):
    calls = []

    @retry_on_conflict(attempts=5)
    def work():
        calls.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.raises(OperationalError):
        work()

    assert calls == [1]


def test_an_operational_error_without_a_conflict_code_is_not_retryable():
    assert not is_retryable_conflict(OperationalError("server closed the connection"))
    assert not is_retryable_conflict(ValueError("not a database error"))
