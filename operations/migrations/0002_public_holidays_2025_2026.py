from django.db import migrations

from operations.services.calendar import (
    BUNDLED_CSV,
    load_calendar_rows,
    read_calendar_csv,
)


def load_holidays(apps, schema_editor):
    load_calendar_rows(
        apps.get_model("operations", "CalendarDay"), read_calendar_csv(BUNDLED_CSV)
    )


def remove_holidays(apps, schema_editor):
    dates = [row["date"] for row in read_calendar_csv(BUNDLED_CSV)]
    apps.get_model("operations", "CalendarDay").objects.filter(date__in=dates).delete()


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_sla_calendar_notifications")]

    operations = [migrations.RunPython(load_holidays, remove_holidays)]
