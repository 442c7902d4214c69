"""Database helpers shared by the apps' migrations."""

from django.db import migrations

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
