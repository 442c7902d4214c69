"""The indexes that let the dashboard's live figures read stage visits
from the index alone. On PostgreSQL they are built and the narrow indexes
they replace are dropped without locking out the transitions that write
stage visits; elsewhere they are plain indexes."""

from django.db import migrations, models

from parkportal.core.db import AddIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("dashboard", "0002_daily_flows_and_intake"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="stagevisit",
            index=models.Index(
                fields=["state", "entered_at"],
                include=(
                    "refund",
                    "enterprise",
                    "reason",
                    "currency",
                    "green_channel",
                    "amount_cny",
                ),
                name="stage_visit_entered_covering",
            ),
        ),
        AddIndexConcurrently(
            model_name="stagevisit",
            index=models.Index(
                fields=["state", "left_at"],
                include=(
                    "refund",
                    "enterprise",
                    "reason",
                    "currency",
                    "green_channel",
                    "next_state",
                    "duration_seconds",
                ),
                name="stage_visit_left_covering",
            ),
        ),
        AddIndexConcurrently(
            model_name="stagevisit",
            index=models.Index(
                condition=models.Q(left_at__isnull=True),
                fields=["state", "entered_at"],
                include=(
                    "refund",
                    "enterprise",
                    "reason",
                    "currency",
                    "green_channel",
                    "amount_cny",
                ),
                name="stage_visit_open",
            ),
        ),
        RemoveIndexConcurrently(model_name="stagevisit", name="stage_visit_entered"),
        RemoveIndexConcurrently(model_name="stagevisit", name="stage_visit_left"),
    ]
