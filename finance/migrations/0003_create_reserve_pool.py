from decimal import Decimal

from django.conf import settings
from django.db import migrations


def create_pool(apps, schema_editor):
    pool = apps.get_model("finance", "ReservePool")
    pool.objects.get_or_create(
        code="main",
        defaults={
            "name": "财务应急池",
            "currency": settings.BASE_CURRENCY,
            "low_watermark": settings.POOL_LOW_WATERMARK,
        },
    )


def remove_empty_pool(apps, schema_editor):
    pool = apps.get_model("finance", "ReservePool")
    pool.objects.filter(
        code="main", balance=Decimal("0"), entries__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("finance", "0002_ledger_append_only")]

    operations = [migrations.RunPython(create_pool, remove_empty_pool)]
