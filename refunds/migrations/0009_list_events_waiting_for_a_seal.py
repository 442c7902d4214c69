from django.db import migrations

BATCH = 1000


def list_unsealed(apps, schema_editor):
    """Events a crash left without a seal go on the list the sealer reads."""
    AuditEvent = apps.get_model("refunds", "AuditEvent")
    UnsealedEvent = apps.get_model("refunds", "UnsealedEvent")
    waiting = AuditEvent.objects.filter(seal__isnull=True).values_list("id", flat=True)
    UnsealedEvent.objects.bulk_create(
        (UnsealedEvent(event_id=event_id) for event_id in waiting.iterator()),
        batch_size=BATCH,
    )


def clear_list(apps, schema_editor):
    apps.get_model("refunds", "UnsealedEvent").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("refunds", "0008_unsealed_event")]

    operations = [migrations.RunPython(list_unsealed, clear_list)]
