"""Loading public holidays and exchanged working days into the calendar."""

import csv
import datetime
import logging
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from operations.models import CalendarDay, DayKind
from parkportal.core import clock
from parkportal.core.errors import InvalidInput

logger = logging.getLogger(__name__)

# Deadlines reach about two months ahead; a year's notice comes out in
# November, so three months leave time to load it.
COVERAGE_HORIZON_DAYS = 90

KINDS = ("holiday", "workday")


def read_calendar_csv(path: Path) -> list[dict]:
    """Rows of a CSV with columns date, kind, name_zh, name_en; refuses the
    whole file on the first bad row."""
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                day = datetime.date.fromisoformat((row.get("date") or "").strip())
            except ValueError:
                raise InvalidInput(
                    _("Line %(line)s: the date is not YYYY-MM-DD.") % {"line": number}
                ) from None
            kind = (row.get("kind") or "").strip()
            if kind not in KINDS:
                raise InvalidInput(
                    _("Line %(line)s: kind must be holiday or workday.")
                    % {"line": number}
                )
            rows.append(
                {
                    "date": day,
                    "kind": kind,
                    "name_zh": (row.get("name_zh") or "").strip(),
                    "name_en": (row.get("name_en") or "").strip(),
                }
            )
    return rows


def load_calendar_rows(rows: list[dict]) -> int:
    """Insert or update each day, all or nothing."""
    with transaction.atomic():
        for row in rows:
            CalendarDay.objects.update_or_create(
                date=row["date"],
                defaults={key: row[key] for key in ("kind", "name_zh", "name_en")},
            )
    return len(rows)


def calendar_load_csv(*, path: Path) -> int:
    return load_calendar_rows(read_calendar_csv(path))


def calendar_years_missing(*, horizon_days: int = COVERAGE_HORIZON_DAYS) -> list[int]:
    """Years from today to the horizon without a single public holiday
    loaded. Deadlines there count every weekday as worked, New Year's Day
    and the Spring Festival included."""
    today = clock.today()
    last = today + datetime.timedelta(days=horizon_days)
    return [
        year
        for year in range(today.year, last.year + 1)
        if not CalendarDay.objects.filter(
            date__year=year, kind=DayKind.HOLIDAY
        ).exists()
    ]


def calendar_coverage_check() -> list[int]:
    missing = calendar_years_missing()
    for year in missing:
        logger.warning(
            "business calendar: no public holidays loaded for %s; deadlines "
            "there count every weekday as worked",
            year,
        )
    return missing
