"""The page of a job: its progress bar, then a link to what came of it.
Only the person who asked sees it; anyone else is told it does not
exist."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from parkportal.core.models import Job, JobStatus

# Seconds between two looks at an unfinished job, by htmx or, without
# JavaScript, by the page's refresh.
POLL_SECONDS = 2


@login_required
@require_GET
def job_detail(request, pk):
    # The page polls every few seconds: it leaves the files where they are.
    jobs = Job.objects.defer("upload", "result_file")
    job = get_object_or_404(jobs, pk=pk, requested_by=request.user)
    context = {
        "job": job,
        "poll_seconds": POLL_SECONDS,
        "file_retention_days": settings.JOB_FILE_RETENTION_DAYS,
    }
    if request.htmx:
        return render(request, "core/includes/job_status.html", context)
    return render(request, "core/job.html", context)


@login_required
@require_GET
def job_file(request, pk):
    job = get_object_or_404(
        Job.objects.exclude(result_file_name=""),
        pk=pk,
        requested_by=request.user,
        status=JobStatus.DONE,
    )
    response = HttpResponse(bytes(job.result_file), content_type=job.result_media_type)
    response["Content-Disposition"] = content_disposition_header(
        True, job.result_file_name
    )
    # A file is offered for saving, never rendered as what the browser
    # might guess it is.
    response["X-Content-Type-Options"] = "nosniff"
    return response
