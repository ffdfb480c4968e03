"""``manage.py demo_central``: the development credential file for both sides of the
central store link, and the central store's demo records."""

from django.core.management.base import BaseCommand

from demo.central import dev_credentials_ensure, seed_central_closures


class Command(BaseCommand):
    help = "Make the development credential file (both sides) and seed the central store."

    def handle(self, *args, **options):
        key = dev_credentials_ensure()
        created = seed_central_closures()
        self.stdout.write(
            f"Central store: key {key.key_id} valid until {key.valid_until:%d/%m/%Y}; "
            f"{created} demo record(s) stored."
        )
