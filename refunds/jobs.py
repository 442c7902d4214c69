"""Refund work run as jobs (see parkportal.core.jobs): thin, like tasks."""

from django.urls import reverse
from django.utils.translation import gettext as _

from refunds.services.audit import audit_chain_verify


def verify_chain(job, report) -> tuple[str, str]:
    verification = audit_chain_verify(actor=job.requested_by, progress=report)
    if verification.intact:
        summary = _("The chain holds: %(checked)s links checked.")
    else:
        summary = _("The chain is broken at link %(position)s.")
    summary %= {"checked": verification.checked, "position": verification.broken_at}
    return reverse("refunds:audit_trail"), summary
