"""Periodic finance tasks; the lead merges BEAT_SCHEDULE into
CELERY_BEAT_SCHEDULE."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "finance-check-pool-ledger": {
        "task": "finance.tasks.check_pool_ledger",
        "schedule": crontab(minute=15, hour=2),
    },
    "finance-earmark-waiting-cases": {
        "task": "finance.tasks.earmark_waiting_cases",
        "schedule": crontab(minute="*/30"),
    },
    # A year of history moves little in an hour; the refresh reads
    # millions of timeline rows, so it runs hourly, not per request.
    "finance-refresh-stage-statistics": {
        "task": "finance.tasks.refresh_stage_statistics",
        "schedule": crontab(minute=40),
    },
}
