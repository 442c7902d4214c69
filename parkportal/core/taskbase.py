"""A base class for the apps' Celery tasks: bounded retries with backoff
for failures that pass by themselves.

    @shared_task(base=RetryingTask)
    def assess_refund(refund_id: int): ...

A database conflict or lost connection is retried after 5, 10, 20, ...
seconds (with jitter, at most ten minutes apart), five times at most; then
the failure is final and the task joins the outbox's dead letters, where an
operator can replay it. Other exceptions are bugs or refusals and fail at
once. The task is acknowledged only after it ran, so a worker killed in the
middle leaves it to another worker: like every task, it must be safe to run
twice.
"""

from celery import Task
from django.db import InterfaceError, OperationalError


class RetryingTask(Task):
    autoretry_for = (OperationalError, InterfaceError)
    max_retries = 5
    retry_backoff = 5
    retry_backoff_max = 600
    retry_jitter = True
    acks_late = True
    reject_on_worker_lost = True
