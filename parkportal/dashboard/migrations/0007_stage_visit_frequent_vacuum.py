"""Vacuum the stage visits after every ten thousand changes, not after a
fifth of the table: the dashboard's index-only scans read the table for
every row on a page that vacuum has not marked all-visible since its last
change, and the pages that change are the recent ones every period
figure reads. PostgreSQL only."""

from django.db import migrations

SETTINGS = {
    "autovacuum_vacuum_scale_factor": "0",
    "autovacuum_vacuum_threshold": "10000",
    "autovacuum_vacuum_insert_scale_factor": "0",
    "autovacuum_vacuum_insert_threshold": "10000",
}


def vacuum_often(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    values = ", ".join(f"{name} = {value}" for name, value in SETTINGS.items())
    schema_editor.execute(f"ALTER TABLE dashboard_stagevisit SET ({values})")


def vacuum_as_other_tables(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE dashboard_stagevisit RESET ({', '.join(SETTINGS)})"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0006_stage_visit_paid_index"),
    ]

    operations = [migrations.RunPython(vacuum_often, vacuum_as_other_tables)]
