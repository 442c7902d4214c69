"""The page of a job: its progress bar, then a link to what came of it.
Only the person who asked sees it; anyone else is told it does not
exist."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from parkportal.core.models import Job

# Seconds between two looks at an unfinished job, by htmx or, without
# JavaScript, by the page's refresh.
POLL_SECONDS = 2


@login_required
@require_GET
def job_detail(request, pk):
    job = get_object_or_404(Job, pk=pk, requested_by=request.user)
    context = {"job": job, "poll_seconds": POLL_SECONDS}
    if request.htmx:
        return render(request, "core/includes/job_status.html", context)
    return render(request, "core/job.html", context)
