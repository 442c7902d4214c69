from decimal import Decimal

from django.db import migrations

# Business hours per stage; a working day has eight. The green channel
# runs on about half the time.
TARGETS = {
    "standard": {
        "review": "16",
        "approval_ops_manager": "8",
        "approval_finance_director": "8",
        "approval_committee": "24",
        "disbursement": "24",
        "total": "80",
    },
    "green": {
        "review": "8",
        "approval_ops_manager": "4",
        "approval_finance_director": "4",
        "approval_committee": "16",
        "disbursement": "16",
        "total": "40",
    },
}


def create_targets(apps, schema_editor):
    target = apps.get_model("operations", "SlaTarget")
    for channel, stages in TARGETS.items():
        for stage, hours in stages.items():
            target.objects.get_or_create(
                stage=stage,
                channel=channel,
                defaults={"business_hours": Decimal(hours)},
            )


def remove_targets(apps, schema_editor):
    apps.get_model("operations", "SlaTarget").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("operations", "0002_public_holidays_2025_2026")]

    operations = [migrations.RunPython(create_targets, remove_targets)]
