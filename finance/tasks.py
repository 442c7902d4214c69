"""Celery tasks of finance: thin, take ids, safe to run twice."""

import logging

from celery import shared_task

from finance import notifications

logger = logging.getLogger(__name__)


@shared_task
def notify_awaiting_funds(earmark_id: int) -> int:
    from finance.models import Earmark, EarmarkStatus

    earmark = Earmark.objects.select_related("refund").filter(pk=earmark_id).first()
    if earmark is None or earmark.status != EarmarkStatus.AWAITING_FUNDS:
        return 0
    return notifications.mail_awaiting_funds(earmark)


@shared_task
def alert_low_watermark(pool_id: int) -> int:
    from finance.models import ReservePool

    pool = ReservePool.objects.filter(pk=pool_id).first()
    if pool is None or not pool.below_watermark:
        return 0
    return notifications.mail_low_watermark(pool)


@shared_task
def check_pool_ledger() -> bool:
    from finance.services.pool import ledger_check

    report = ledger_check()
    if not report["consistent"]:
        logger.error("pool ledger check failed: %s", report["pools"])
    return report["consistent"]


@shared_task
def earmark_waiting_cases() -> int:
    """A periodic sweep for cases awaiting funds, in case money was freed
    by a path that did not serve the queue itself."""
    from django.db import transaction

    from finance.services.pool import earmark_awaiting, pool_lock, watch_watermark
    from parkportal.accounts.services import system_user

    with transaction.atomic():
        pool = pool_lock()
        held = earmark_awaiting(pool, actor=system_user())
        watch_watermark(pool)
    return len(held)


@shared_task
def refresh_stage_statistics() -> int:
    """Rebuild the forecast's stage statistics from a year of timeline."""
    from finance.forecast import stage_statistics_refresh

    return stage_statistics_refresh()
