from datetime import timedelta

from celery import shared_task
from django.conf import settings

from parkportal.core.idempotency import idempotency_purge
from parkportal.core.jobs import job_run, jobs_expire_files, jobs_fail_stalled
from parkportal.core.outbox import outbox_purge_sent, relay_due
from parkportal.core.webhooks import webhook_deliver, webhooks_retry_due


@shared_task
def relay_outbox() -> int:
    return relay_due()


@shared_task
def deliver_webhook(delivery_id: int) -> None:
    webhook_deliver(delivery_id=delivery_id)


@shared_task
def retry_webhooks() -> int:
    return webhooks_retry_due()


@shared_task
def purge_outbox() -> int:
    days = getattr(settings, "OUTBOX_RETENTION_DAYS", 7)
    return outbox_purge_sent(older_than=timedelta(days=days))


@shared_task
def purge_idempotency_records() -> int:
    hours = settings.IDEMPOTENCY_RETENTION_HOURS
    return idempotency_purge(older_than=timedelta(hours=hours))


@shared_task
def expire_job_files() -> int:
    days = settings.JOB_FILE_RETENTION_DAYS
    return jobs_expire_files(older_than=timedelta(days=days))


@shared_task
def run_job(job_id: int) -> None:
    job_run(job_id=job_id)


@shared_task
def fail_stalled_jobs() -> int:
    return jobs_fail_stalled()
