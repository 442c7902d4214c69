from django.core.management.base import BaseCommand

from parkportal.dashboard.services import summaries_refresh


class Command(BaseCommand):
    help = "Rebuild every month of the dashboard's summary table from the stage visits."

    def handle(self, *args, **options):
        written = summaries_refresh()
        self.stdout.write(f"{written} summary rows written")
