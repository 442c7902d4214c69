"""Long work (a statement import, a backtest) run by a worker while the
person who asked for it watches a progress bar.

An app writes the work as a function `runner(job, report)` that calls
`report(done, total)` as it goes and answers `(result_url, summary)`; its
page calls `job_start` with the function's dotted path. A runner whose
result is a file (an export) hands it to `job_file_attach` and answers the
download link that returns. The job row and
its outbox message commit together, so a job is never queued for a
request that rolled back. With no broker the task runs in process right
after commit and the job page opens on the finished job.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from parkportal.core import clock
from parkportal.core.errors import DomainError
from parkportal.core.models import Job, JobStatus
from parkportal.core.outbox import outbox_enqueue

logger = logging.getLogger(__name__)

Report = Callable[[int, int], None]

# Every progress report touches a job's updated_at. A running job silent
# for this long lost its worker (killed, restarted) and will not finish:
# the redelivered task finds it running and leaves it alone.
STALLED_AFTER = timedelta(minutes=30)


def job_start(
    *, actor, kind: str, title: str, params: dict, upload: bytes = b""
) -> Job:
    """Queue `kind` (a runner's dotted path) for `actor`; call it inside
    the transaction of the change that asks for the work, if any."""
    import_string(kind)  # Fail in the request, not in the worker.
    with transaction.atomic():
        job = Job.objects.create(
            requested_by=actor,
            kind=kind,
            title=title,
            params=params,
            upload=upload,
            language=translation.get_language() or "",
        )
        outbox_enqueue(
            task="parkportal.core.tasks.run_job",
            kwargs={"job_id": job.pk},
            key=f"job:{job.pk}",
        )
    return job


def job_run(*, job_id: int) -> Job | None:
    """Run a queued job to its end. A job already taken by another run
    (the outbox delivers at least once) is left to it."""
    # The conditional update is the claim: of two deliveries of the same
    # message, one moves the job from queued to running, the other finds
    # no row to move and returns.
    # A worker killed mid-run leaves its job running; jobs_fail_stalled
    # ends it.
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, updated_at=clock.now()
    )
    if not claimed:
        return None

    job = Job.objects.select_related("requested_by").get(pk=job_id)
    with translation.override(job.language or None):
        try:
            result_url, summary = import_string(job.kind)(job, _reporter(job.pk))
        except DomainError as error:
            return _finish(job, status=JobStatus.FAILED, error=str(error.message))
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            message = _("The work stopped on an unexpected error; try again.")
            return _finish(job, status=JobStatus.FAILED, error=message)
    return _finish(job, status=JobStatus.DONE, result_url=result_url, summary=summary)


def job_file_attach(job: Job, *, name: str, media_type: str, content: bytes) -> str:
    """Keep `content` as the job's result, saved when the job finishes;
    answer the link that downloads it."""
    job.result_file = content
    job.result_file_name = name
    job.result_media_type = media_type
    return reverse("job-file", kwargs={"pk": job.pk})


def _reporter(job_id: int) -> Report:
    def report(done: int, total: int) -> None:
        # An update of its own, outside the runner's transaction where
        # there is none, so that the page sees the bar move.
        Job.objects.filter(pk=job_id).update(
            progress_done=min(done, total),
            progress_total=total,
            updated_at=clock.now(),
        )

    return report


def _finish(job: Job, *, status: str, **fields) -> Job:
    job.refresh_from_db(fields=["progress_done", "progress_total"])
    job.status = status
    if status == JobStatus.DONE:
        job.progress_total = max(job.progress_total, 1)
        job.progress_done = job.progress_total
    else:
        # A runner that attached its file and failed afterwards offers
        # nothing to download.
        job.result_file, job.result_file_name, job.result_media_type = b"", "", ""
    for name, value in fields.items():
        setattr(job, name, value[:500] if name != "result_url" else value)
    # The uploaded file has served its purpose; the result keeps what
    # came of it.
    job.upload = b""
    job.updated_at = clock.now()
    job.save()
    logger.info("job %s (%s) %s", job.pk, job.kind, status)
    return job


def jobs_expire_files(*, older_than: timedelta) -> int:
    """Delete the files of jobs that finished more than `older_than` ago;
    their pages then say that the file is gone."""
    cutoff = clock.now() - older_than
    expired = (
        Job.objects.filter(status=JobStatus.DONE, updated_at__lt=cutoff)
        .exclude(result_file_name="")
        .update(
            result_file=b"",
            result_file_name="",
            result_media_type="",
            result_file_expired_at=clock.now(),
        )
    )
    if expired:
        logger.info("deleted the files of %s finished jobs", expired)
    return expired


def jobs_fail_stalled(*, older_than: timedelta = STALLED_AFTER) -> int:
    """Mark failed the running jobs that reported nothing for `older_than`,
    so that their pages stop waiting and the person can start again."""
    deadline = clock.now() - older_than
    stalled = Job.objects.filter(status=JobStatus.RUNNING, updated_at__lt=deadline)
    failed = 0
    for job in stalled.only("pk", "kind", "language", "updated_at"):
        with translation.override(job.language or None):
            message = _("The work stopped when its worker did; please start it again.")
        # Conditional on the row as read: a run that reported progress in
        # the meantime keeps its job.
        failed += Job.objects.filter(
            pk=job.pk, status=JobStatus.RUNNING, updated_at=job.updated_at
        ).update(
            status=JobStatus.FAILED, error=message, upload=b"", updated_at=clock.now()
        )
        logger.warning("job %s (%s) stalled; marked failed", job.pk, job.kind)
    return failed
