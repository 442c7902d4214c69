import json

from django.core.management.base import BaseCommand, CommandError

from finance.services.pool import ledger_check


class Command(BaseCommand):
    help = "Check the reserve pool's stored totals and earmarks against its ledger."

    def handle(self, *args, **options):
        report = ledger_check()
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
        if not report["consistent"]:
            raise CommandError("the reserve pool does not agree with its ledger")
