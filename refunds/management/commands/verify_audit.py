from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from refunds.services.audit import audit_chain_verify, audit_verify


class Command(BaseCommand):
    help = (
        "Seal pending audit events, then walk the hash chain from the start and "
        "say whether it holds; the auditor's pages show the result as the "
        "latest verification. Exits with status 1 when it is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help=(
                "Verify only; leave events not yet sealed as they are, and "
                "record nothing."
            ),
        )

    def handle(self, *args, no_seal=False, **options):
        report = audit_verify(seal_first=False) if no_seal else audit_chain_verify()
        counts = {"checked": report.checked, "unsealed": report.unsealed}
        if report.intact:
            message = _(
                "Audit chain holds: %(checked)s links checked, "
                "%(unsealed)s events not yet sealed."
            )
            self.stdout.write(self.style.SUCCESS(message % counts))
            return
        self.stdout.write(
            _(
                "%(checked)s links checked before the break; "
                "%(unsealed)s events not yet sealed."
            )
            % counts
        )
        raise CommandError(
            _("Audit chain broken at link %(position)s (event %(event)s): %(problem)s.")
            % {
                "position": report.broken_at,
                "event": report.event_id,
                "problem": report.problem,
            },
            returncode=1,
        )
