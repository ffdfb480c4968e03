"""Add the Vietnam public holidays of more years to the working-day calendar."""

from django.core.management.base import BaseCommand

from declarations.dossiers.calendar_seed import holidays_seed
from declarations.dossiers.models import PublicHoliday


class Command(BaseCommand):
    help = "Seed Vietnamese public holidays (and make-up working days) for a range of years."

    def add_arguments(self, parser):
        parser.add_argument("--from-year", type=int, default=2015)
        parser.add_argument("--to-year", type=int, default=2030)

    def handle(self, *args, from_year, to_year, **options):
        created = holidays_seed(PublicHoliday, years=range(from_year, to_year + 1))
        self.stdout.write(f"{created} day(s) added")
