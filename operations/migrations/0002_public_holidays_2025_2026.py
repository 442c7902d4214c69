import csv
import datetime
from pathlib import Path

from django.db import migrations

# The State Council notices for 2025 and 2026, as shipped with the app.
# Later years are loaded with `manage.py load_holidays`.
CSV = (
    Path(__file__).resolve().parent.parent / "data" / "cn-public-holidays-2025-2026.csv"
)


def _rows():
    with open(CSV, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield {
                "date": datetime.date.fromisoformat(row["date"]),
                "kind": row["kind"],
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
            }


def load_holidays(apps, schema_editor):
    day = apps.get_model("operations", "CalendarDay")
    for row in _rows():
        day.objects.update_or_create(
            date=row["date"],
            defaults={key: row[key] for key in ("kind", "name_zh", "name_en")},
        )


def remove_holidays(apps, schema_editor):
    dates = [row["date"] for row in _rows()]
    apps.get_model("operations", "CalendarDay").objects.filter(date__in=dates).delete()


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_sla_calendar_notifications")]

    operations = [migrations.RunPython(load_holidays, remove_holidays)]
