"""Take the adoption snapshots now (the beat job does it every 15 minutes)."""

from django.core.management.base import BaseCommand

from declarations.adoption.services import adoption_snapshot_refresh


class Command(BaseCommand):
    help = "Refresh every office's adoption figures for today and past month starts."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=24)

    def handle(self, *args, months, **options):
        written = adoption_snapshot_refresh(months=max(1, min(months, 120)))
        self.stdout.write(f"{written} office row(s) written")
