"""The time the application believes it is.

Everything that stamps a moment (models' created_at, services, deadlines)
asks `clock.now()`. The demo seeder and tests replay history with
`clock.travel(moment)`; in production nothing overrides it and it is
`django.utils.timezone.now()`.
"""

import contextvars
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_override: contextvars.ContextVar[datetime | None] = contextvars.ContextVar(
    "parkportal_clock_override", default=None
)


def now() -> datetime:
    moment = _override.get()
    return moment if moment is not None else timezone.now()


def today():
    return timezone.localdate(now())


@contextmanager
def travel(moment: datetime):
    if timezone.is_naive(moment):
        raise ValueError("clock.travel needs an aware datetime")
    token = _override.set(moment)
    try:
        yield
    finally:
        _override.reset(token)
