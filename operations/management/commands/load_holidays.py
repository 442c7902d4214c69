from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.services.calendar import calendar_load_csv
from parkportal.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Load public holidays and exchanged working days from a CSV "
        "(date,kind,name_zh,name_en), e.g. the State Council notice of a new year."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        try:
            count = calendar_load_csv(path=path)
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(f"{count} calendar days loaded from {path}")
