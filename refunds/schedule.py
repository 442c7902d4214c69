from celery.schedules import crontab

BEAT_SCHEDULE = {
    # A full walk of the hash chain, so that the auditor's pages always show
    # a verification at most a day old; at a park's size it takes minutes.
    "verify-audit-chain": {
        "task": "refunds.tasks.verify_audit_chain",
        "schedule": crontab(hour=2, minute=30),
    },
}
