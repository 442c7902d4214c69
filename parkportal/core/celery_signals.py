"""Celery hooks: the request id travels with a task, outcomes are counted,
and a task that fails for good on a worker joins the dead letters.

Connected in CoreConfig.ready().
"""

import logging

from celery import signals

from parkportal.core import metrics
from parkportal.core.logging import current_request_id, reset_request_id, set_request_id
from parkportal.core.outbox import outbox_bury

logger = logging.getLogger(__name__)

HEADER = "request_id"

# Context tokens of the tasks running in this process, by task id, so that
# postrun restores what prerun changed.
_tokens: dict[str, object] = {}


@signals.before_task_publish.connect
def _stamp_request_id(sender=None, headers=None, **kwargs):
    if headers is not None and not headers.get(HEADER):
        headers[HEADER] = current_request_id()


@signals.task_prerun.connect
def _bind_request_id(sender=None, task_id=None, task=None, **kwargs):
    request_id = getattr(task.request, HEADER, None) if task else None
    # A task run in process (no broker) already runs in the caller's
    # context and has no header to read.
    if request_id:
        _tokens[task_id] = set_request_id(request_id)


@signals.task_postrun.connect
def _unbind_request_id(sender=None, task_id=None, **kwargs):
    token = _tokens.pop(task_id, None)
    if token is not None:
        reset_request_id(token)


@signals.task_success.connect
def _count_success(sender=None, **kwargs):
    metrics.CELERY_TASKS.labels(task=sender.name, outcome="success").inc()


@signals.task_retry.connect
def _count_retry(sender=None, **kwargs):
    metrics.CELERY_TASKS.labels(task=sender.name, outcome="retry").inc()


@signals.task_failure.connect
def _count_and_bury_failure(
    sender=None, task_id=None, exception=None, kwargs=None, **rest
):
    metrics.CELERY_TASKS.labels(task=sender.name, outcome="failure").inc()
    # A task run in process raises to its caller; when that is the outbox
    # relay, the relay records the failure and tries again itself.
    if sender.request.is_eager:
        return

    message = outbox_bury(
        task=sender.name,
        kwargs=kwargs or {},
        error=f"{type(exception).__name__}: {exception}",
    )
    logger.error(
        "task %s (%s) failed for good; dead letter %s",
        task_id,
        sender.name,
        message.pk,
    )
