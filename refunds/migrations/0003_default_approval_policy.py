from decimal import Decimal

from django.db import migrations

DEFAULT_POLICY = (
    ("ops_manager", 1, Decimal("0.00")),
    ("finance_director", 2, Decimal("100000.00")),
    ("committee", 3, Decimal("1000000.00")),
)


def create_policy(apps, schema_editor):
    threshold = apps.get_model("refunds", "ApprovalThreshold")
    for level, position, minimum in DEFAULT_POLICY:
        threshold.objects.get_or_create(
            level=level, defaults={"position": position, "min_amount_cny": minimum}
        )


def remove_policy(apps, schema_editor):
    apps.get_model("refunds", "ApprovalThreshold").objects.filter(
        level__in=[level for level, _, _ in DEFAULT_POLICY]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("refunds", "0002_audit_trail_append_only")]

    operations = [migrations.RunPython(create_policy, remove_policy)]
