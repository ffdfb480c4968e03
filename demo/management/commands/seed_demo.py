"""``manage.py seed_demo``: offices, roles, one user per role and a few employers."""

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        rows = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Password for every demo user: {settings.DEMO_PASSWORD}")
        width = max(len(r[0]) for r in rows)
        for username, role, office in rows:
            self.stdout.write(f"  {username.ljust(width)}  {role} · {office}")
