from celery import shared_task

from refunds.services.audit import audit_chain_verify


@shared_task
def verify_audit_chain() -> int:
    return audit_chain_verify().pk
