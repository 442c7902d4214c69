"""The finance desk's monthly report files, written by a worker while the
officer watches the job page; the API answers the same report in the
request."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from finance.reports import MEDIA_TYPES
from finance.services import require_role
from parkportal.accounts.roles import Role
from parkportal.core.errors import InvalidInput
from parkportal.core.jobs import job_start
from parkportal.core.models import Job


def report_export_start(*, actor, month: date, file_format: str) -> Job:
    require_role(actor, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR)
    if file_format not in MEDIA_TYPES:
        raise InvalidInput(_("Unknown file format."), code="invalid_format")
    return job_start(
        actor=actor,
        kind="finance.jobs.export_monthly_report",
        title=gettext_noop("Monthly finance report"),
        params={"month": month.isoformat(), "file_format": file_format},
    )
