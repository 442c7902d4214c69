"""Business time: working hours on working days, in the park's time zone.

A day is worked when it is a weekday that is not a public holiday, or a
weekend day listed as worked in exchange (调休). Working hours are
`settings.OPERATIONS_WORKING_HOURS`, e.g. "09:00-12:00,13:00-18:00".
Deadlines add business minutes to a moment; the SLA panel counts the
business minutes between two moments.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from operations.models import CalendarDay, DayKind

DEFAULT_WORKING_HOURS = "09:00-12:00,13:00-18:00"
# How many days of overrides one query fetches while walking forward.
_CHUNK_DAYS = 62
# A deadline further than this is a configuration error, not a wait.
_MAX_DAYS = 3660


def working_windows() -> list[tuple[datetime.time, datetime.time]]:
    raw = getattr(settings, "OPERATIONS_WORKING_HOURS", DEFAULT_WORKING_HOURS)
    windows = []
    for part in raw.split(","):
        try:
            start, end = (
                datetime.time.fromisoformat(value.strip()) for value in part.split("-")
            )
        except ValueError:
            raise ImproperlyConfigured(
                f"OPERATIONS_WORKING_HOURS: cannot read {part!r}"
            ) from None
        if end <= start:
            raise ImproperlyConfigured(f"OPERATIONS_WORKING_HOURS: {part!r} is empty")
        windows.append((start, end))
    return sorted(windows)


@dataclass
class BusinessCalendar:
    """Working days and hours, with the overrides of a range of dates
    loaded once."""

    overrides: dict
    windows: list

    @classmethod
    def between(cls, first: datetime.date, last: datetime.date) -> "BusinessCalendar":
        calendar = cls(overrides={}, windows=working_windows())
        calendar.load(first, last)
        return calendar

    def load(self, first: datetime.date, last: datetime.date) -> None:
        rows = CalendarDay.objects.filter(date__gte=first, date__lte=last)
        self.overrides.update(rows.values_list("date", "kind"))
        self.loaded_until = last

    def is_workday(self, day: datetime.date) -> bool:
        kind = self.overrides.get(day)
        if kind == DayKind.HOLIDAY:
            return False
        if kind == DayKind.WORKDAY:
            return True
        return day.weekday() < 5

    def spans(self, day: datetime.date):
        """The working spans of `day` as aware datetimes."""
        if not self.is_workday(day):
            return []
        zone = timezone.get_default_timezone()
        return [
            (
                datetime.datetime.combine(day, start, tzinfo=zone),
                datetime.datetime.combine(day, end, tzinfo=zone),
            )
            for start, end in self.windows
        ]


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def business_minutes_between(start: datetime.datetime, end: datetime.datetime) -> int:
    """Whole business minutes from `start` to `end` (0 when end ≤ start)."""
    if end <= start:
        return 0
    first, last = _local_date(start), _local_date(end)
    calendar = BusinessCalendar.between(first, last)
    seconds = 0.0
    day = first
    while day <= last:
        for span_start, span_end in calendar.spans(day):
            overlap = min(end, span_end) - max(start, span_start)
            seconds += max(overlap.total_seconds(), 0)
        day += datetime.timedelta(days=1)
    return int(seconds // 60)


def add_business_minutes(start: datetime.datetime, minutes: int) -> datetime.datetime:
    """The moment when `minutes` of business time after `start` are used.

    With 0 minutes it is `start` itself, even outside working hours."""
    if minutes <= 0:
        return start
    day = _local_date(start)
    calendar = BusinessCalendar.between(day, day + datetime.timedelta(_CHUNK_DAYS))
    remaining = datetime.timedelta(minutes=minutes)
    for _offset in range(_MAX_DAYS):
        if day > calendar.loaded_until:
            calendar.load(day, day + datetime.timedelta(_CHUNK_DAYS))
        for span_start, span_end in calendar.spans(day):
            begin = max(start, span_start)
            if begin >= span_end:
                continue
            available = span_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day += datetime.timedelta(days=1)
    raise ImproperlyConfigured("No working time within ten years: check the calendar")


def is_working_day(day: datetime.date) -> bool:
    return BusinessCalendar.between(day, day).is_workday(day)
