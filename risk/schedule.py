"""Periodic tasks of the risk app, wired into CELERY_BEAT_SCHEDULE by the
project settings."""

BEAT_SCHEDULE = {
    # A case whose assessment task was lost cannot be forwarded; this scan
    # assesses it within minutes instead of leaving it stuck.
    "risk-assess-unscreened": {
        "task": "risk.assess_unscreened",
        "schedule": 300.0,
    },
}
