from datetime import timedelta

from celery import shared_task

from parkportal.core import clock
from parkportal.dashboard.models import DailyExit, DailyFlow
from parkportal.dashboard.services import month_start, summaries_refresh


@shared_task
def refresh_summaries() -> int:
    """Rebuild this month's and last month's summaries; older months only
    change through a full rebuild (`manage.py refresh_dashboard`)."""
    this_month = month_start(clock.now())
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    # The period figures trust the daily summaries for every day before
    # the last refresh, so the first run after a table was added (or
    # emptied) rebuilds every month rather than leave older days empty.
    if not (DailyFlow.objects.exists() and DailyExit.objects.exists()):
        return summaries_refresh()
    return summaries_refresh(months=[last_month, this_month])
