"""Periodic work of operations, merged into settings.CELERY_BEAT_SCHEDULE.

Kept free of Django imports: settings.py reads it while it loads. Intervals
come from the environment so that the integration tests can run the scan
every second.
"""

import os

from celery.schedules import crontab

SCAN_SECONDS = float(os.environ.get("OPERATIONS_SCAN_SECONDS", "60"))

BEAT_SCHEDULE = {
    "operations-scan-deadlines": {
        "task": "operations.tasks.scan_deadlines",
        "schedule": SCAN_SECONDS,
    },
    "operations-scan-silent-cases": {
        "task": "operations.tasks.scan_silent_cases",
        "schedule": 3600.0,
    },
    "operations-sweep-notifications": {
        "task": "operations.tasks.sweep_notifications",
        "schedule": max(SCAN_SECONDS, 60.0),
    },
    "operations-check-calendar": {
        "task": "operations.tasks.check_calendar",
        "schedule": crontab(minute=0, hour=7),
    },
    "operations-prepare-digest": {
        "task": "operations.tasks.prepare_digest",
        # Monday 08:30 in the park's time zone (CELERY_TIMEZONE).
        "schedule": crontab(minute=30, hour=8, day_of_week="mon"),
    },
}
