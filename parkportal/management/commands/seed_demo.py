import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.test.utils import override_settings

from parkportal.demo import (
    CASE_COUNT,
    DEMO_PASSWORD,
    DemoRefused,
    demo_usernames,
    seed_demo,
)
from refunds.models import RefundRequest


class Command(BaseCommand):
    help = (
        "Fill an empty database with demo enterprises, one account per role and "
        "a year of refund cases. Refuses when DEBUG is off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though DEBUG is off (never on a production database).",
        )
        parser.add_argument(
            "--cases",
            type=int,
            default=CASE_COUNT,
            help="How many refund cases to create (default %(default)s).",
        )

    def handle(self, *args, force: bool = False, cases: int = CASE_COUNT, **options):
        started = time.monotonic()
        # A line per transition of a few hundred cases drowns what matters;
        # -v 2 shows them.
        quiet = [
            logging.getLogger(name)
            for name in ("refunds", "finance", "operations", "risk", "celery")
        ]
        levels = [log.level for log in quiet]
        if options["verbosity"] < 2:
            for log in quiet:
                log.setLevel(logging.WARNING)
        try:
            # The demo's history would otherwise mail every notification of
            # a year of cases to the console or, worse, a real server.
            with override_settings(
                EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"
            ):
                demo = seed_demo(debug=settings.DEBUG, force=force, cases=cases)
        except DemoRefused as refusal:
            raise CommandError(str(refusal)) from None
        finally:
            for log, level in zip(quiet, levels, strict=True):
                log.setLevel(level)

        if demo is None:
            self.stdout.write("Demo data is already there; nothing changed.")
            return
        states = (
            RefundRequest.objects.values_list("state")
            .annotate(n=Count("id"))
            .order_by("state")
        )
        self.stdout.write(
            "Cases by state: " + ", ".join(f"{state} {n}" for state, n in states)
        )
        if demo.abandoned:
            stops = ", ".join(f"{name} {n}" for name, n in demo.abandoned.items())
            self.stdout.write(f"Cases that stopped early, before: {stops}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready in {time.monotonic() - started:.1f} s. Accounts: "
                f"{', '.join(demo_usernames())}; password {DEMO_PASSWORD}"
            )
        )
