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
}
