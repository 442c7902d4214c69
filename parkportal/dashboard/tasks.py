from datetime import timedelta

from celery import shared_task

from parkportal.core import clock
from parkportal.dashboard.services import month_start, summaries_refresh


@shared_task
def refresh_summaries() -> int:
    """Rebuild this month's and last month's summaries; older months only
    change through a full rebuild (`manage.py refresh_dashboard`)."""
    this_month = month_start(clock.now())
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    return summaries_refresh(months=[last_month, this_month])
