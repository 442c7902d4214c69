"""The dashboard page's table exports, written by a worker while the
reader watches the job page; the API's export answers the same file in
the request."""

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parkportal.core.errors import InvalidInput
from parkportal.core.jobs import Report, job_file_attach, job_start
from parkportal.core.models import Job
from parkportal.dashboard.api import (
    EXPORT_TABLES,
    EXPORT_TYPES,
    filters_from,
    period_from,
    table_export,
)


def table_export_start(*, actor, table: str, file_format: str, params) -> Job:
    """Check the table, period and filters now and write the file in a
    job. The period is pinned here: a job run after midnight exports the
    days the reader saw."""
    if table not in EXPORT_TABLES or file_format not in EXPORT_TYPES:
        raise InvalidInput(_("Unknown table."), code="invalid_table")
    start, end = period_from(params)
    filters_from(params)
    query = params.copy()
    query["start"] = timezone.localdate(start).isoformat()
    query["end"] = timezone.localdate(end).isoformat()
    return job_start(
        actor=actor,
        kind="parkportal.dashboard.exports.export_table",
        title=gettext_noop("Dashboard export"),
        params={"table": table, "file_format": file_format, "query": query.urlencode()},
    )


def export_table(job: Job, report: Report) -> tuple[str, str]:
    report(0, 1)
    name, media_type, content = table_export(
        table=job.params["table"],
        file_format=job.params["file_format"],
        params=QueryDict(job.params["query"]),
    )
    report(1, 1)
    url = job_file_attach(job, name=name, media_type=media_type, content=content)
    return url, _("The table is written; download it below.")
