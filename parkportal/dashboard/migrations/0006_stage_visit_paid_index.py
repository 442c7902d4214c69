from django.db import migrations, models

from parkportal.core.db import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("dashboard", "0005_submission_of_paid_stays"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="stagevisit",
            index=models.Index(
                condition=models.Q(state="disbursed"),
                fields=["entered_at"],
                include=(
                    "refund",
                    "enterprise",
                    "reason",
                    "currency",
                    "green_channel",
                    "submitted_at",
                ),
                name="stage_visit_paid",
            ),
        ),
    ]
