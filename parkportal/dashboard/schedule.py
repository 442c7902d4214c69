from datetime import timedelta

BEAT_SCHEDULE = {
    "dashboard-refresh-summaries": {
        "task": "parkportal.dashboard.tasks.refresh_summaries",
        "schedule": timedelta(minutes=15),
    },
}
