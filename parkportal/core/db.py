"""Database helpers: migration steps for append-only tables and for
indexes built without locking writers out, and retries for transactions
PostgreSQL aborted because of a concurrent one."""

import logging
import random
import time
from functools import wraps

from django.contrib.postgres import operations as postgres_operations
from django.db import OperationalError, connection, migrations, transaction

logger = logging.getLogger(__name__)

_REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION parkportal_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""


def append_only(table: str) -> migrations.RunPython:
    """A migration step that makes PostgreSQL refuse UPDATE and DELETE on
    `table`. Other databases rely on the application and on the hash chain
    (for the audit trail) to detect a change."""

    trigger = f"{table}_append_only"

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(_REFUSE_FUNCTION, None)
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION parkportal_refuse_change()"
        )

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")

    return migrations.RunPython(forward, backward, elidable=False)


# SQLSTATE codes PostgreSQL uses when it aborted a transaction only because
# another one ran beside it: running the same transaction again succeeds.
SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"
RETRYABLE_SQLSTATES = frozenset({SERIALIZATION_FAILURE, DEADLOCK_DETECTED})


class _PlainElsewhere:
    """Runs the PostgreSQL-only operation on PostgreSQL and its plain
    counterpart (`plain`) on other databases, SQLite in the tests."""

    plain: type

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        operation = super() if _on_postgresql(schema_editor) else self._plain()
        operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        operation = super() if _on_postgresql(schema_editor) else self._plain()
        operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def _plain(self):
        return self.plain(**self.deconstruct()[2])


def _on_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AddIndexConcurrently(_PlainElsewhere, postgres_operations.AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY: writes to the table go on while the index
    is built. The migration must not be atomic."""

    plain = migrations.AddIndex


class RemoveIndexConcurrently(
    _PlainElsewhere, postgres_operations.RemoveIndexConcurrently
):
    """DROP INDEX CONCURRENTLY; the migration must not be atomic."""

    plain = migrations.RemoveIndex


def is_retryable_conflict(exc: BaseException) -> bool:
    """True for an error that only says "try the transaction again"."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    return getattr(cause, "pgcode", None) in RETRYABLE_SQLSTATES


def retry_on_conflict(func=None, *, attempts: int = 4, base_delay: float = 0.02):
    """Run `func` in its own transaction, again on a serialization failure
    or deadlock, with jittered backoff; after `attempts` tries the error
    goes up (the API answers it with 409 conflict_retry).

    Use it as `@retry_on_conflict`, `@retry_on_conflict(attempts=6)`, or
    `retry_on_conflict(func)()`. Inside an outer transaction it cannot help
    (the outer transaction is already aborted), so it runs once there.
    """

    def decorate(inner):
        @wraps(inner)
        def wrapper(*args, **kwargs):
            if transaction.get_connection().in_atomic_block:
                return inner(*args, **kwargs)
            attempt = 1
            while True:
                try:
                    with transaction.atomic():
                        return inner(*args, **kwargs)
                except OperationalError as exc:
                    if attempt >= attempts or not is_retryable_conflict(exc):
                        raise
                    logger.warning(
                        "%s: %s on attempt %s, retrying",
                        inner.__qualname__,
                        exc.__cause__.pgcode,
                        attempt,
                    )
                    _sleep_before_retry(attempt, base_delay)
                    attempt += 1

        return wrapper

    return decorate(func) if func is not None else decorate


def _sleep_before_retry(attempt: int, base_delay: float) -> None:
    # Jitter keeps two transactions that deadlocked from meeting again in
    # the same order on their next try.
    delay = base_delay * 2 ** (attempt - 1)
    time.sleep(delay * random.uniform(0.5, 1.5))  # nosec B311


def analyze(*models) -> None:
    """Refresh PostgreSQL's statistics of tables just rewritten in bulk.
    Autovacuum would come within minutes; until then the planner would
    plan from the row counts of before the rewrite."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"ANALYZE {table}")
