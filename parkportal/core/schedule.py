from datetime import timedelta

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # The on-commit hook publishes almost every message at once; the sweep
    # catches what a broker outage or a crashed process left pending.
    "relay-outbox": {
        "task": "parkportal.core.tasks.relay_outbox",
        "schedule": timedelta(seconds=30),
    },
    "retry-webhooks": {
        "task": "parkportal.core.tasks.retry_webhooks",
        "schedule": timedelta(minutes=1),
    },
    "fail-stalled-jobs": {
        "task": "parkportal.core.tasks.fail_stalled_jobs",
        "schedule": timedelta(minutes=5),
    },
    "purge-outbox": {
        "task": "parkportal.core.tasks.purge_outbox",
        "schedule": crontab(hour=3, minute=20),
    },
    "expire-job-files": {
        "task": "parkportal.core.tasks.expire_job_files",
        "schedule": crontab(hour=3, minute=50),
    },
    "purge-idempotency-records": {
        "task": "parkportal.core.tasks.purge_idempotency_records",
        "schedule": crontab(hour=3, minute=40),
    },
}
