"""Celery tasks of operations: thin, re-reading rows, safe to run twice."""

from celery import shared_task

from operations.services.alerts import deadlines_scan, silent_cases_scan
from operations.services.calendar import calendar_coverage_check
from operations.services.digest import digest_prepare
from operations.services.notifications import (
    notification_email_send,
    notifications_email_sweep,
)


@shared_task
def scan_deadlines() -> int:
    return deadlines_scan()


@shared_task
def scan_silent_cases() -> int:
    return silent_cases_scan()


@shared_task
def send_notification(notification_id: int) -> bool:
    return notification_email_send(notification_id=notification_id)


@shared_task
def sweep_notifications() -> int:
    return notifications_email_sweep()


@shared_task
def prepare_digest() -> int | None:
    digest = digest_prepare()
    return digest.pk if digest else None


@shared_task
def check_calendar() -> list[int]:
    return calendar_coverage_check()
