"""Risk work run as jobs (see parkportal.core.jobs): thin, like tasks."""

from datetime import datetime

from django.urls import reverse
from django.utils.translation import ngettext

from risk.services.backtests import backtest_run


def run_backtest(job, report) -> tuple[str, str]:
    backtest = backtest_run(
        version_id=job.params["version_id"],
        actor=job.requested_by,
        start=datetime.fromisoformat(job.params["start"]),
        end=datetime.fromisoformat(job.params["end"]),
        progress=report,
    )
    summary = ngettext(
        "%(cases)s case replayed.", "%(cases)s cases replayed.", backtest.cases
    ) % {"cases": backtest.cases}
    return reverse("risk:backtest", kwargs={"pk": backtest.pk}), summary
