"""Finance work run as jobs (see parkportal.core.jobs): thin, like tasks."""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from finance.reports import report_file
from finance.services.reconciliation import statement_import
from parkportal.core.jobs import job_file_attach


def import_statement(job, report) -> tuple[str, str]:
    # The import is one transaction: the bar moves once the file is read
    # and once every line is reconciled.
    report(0, 2)
    content = bytes(job.upload)
    report(1, 2)
    statement, created = statement_import(
        actor=job.requested_by,
        content=content,
        file_format=job.params["file_format"],
    )
    report(2, 2)
    if created:
        summary = _("Statement %(id)s imported.") % {"id": statement.statement_id}
    else:
        summary = _("Statement %(id)s was imported before; nothing changed.") % {
            "id": statement.statement_id
        }
    return reverse("finance:reconciliation"), summary


def export_monthly_report(job, report) -> tuple[str, str]:
    # The bar moves once per section written.
    name, media_type, content = report_file(
        date.fromisoformat(job.params["month"]),
        job.params["file_format"],
        progress=report,
    )
    url = job_file_attach(job, name=name, media_type=media_type, content=content)
    return url, _("The report is written; download it below.")
