"""Store each open case's nearest running deadline, which the queues used to
compute per row from its stage clocks."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    RefundRequest = apps.get_model("refunds", "RefundRequest")
    StageClock = apps.get_model("operations", "StageClock")
    running = StageClock.objects.filter(ended_at__isnull=True, deadline__isnull=False)
    nearest = running.filter(refund=OuterRef("pk")).order_by("deadline")
    RefundRequest.objects.filter(pk__in=running.values("refund")).update(
        next_deadline=Subquery(nearest.values("deadline")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0003_default_sla_targets"),
        ("refunds", "0005_queue_next_deadline"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
