"""``manage.py seed_demo``: offices, roles, one user per role and a few employers."""

from django.conf import settings
from django.core.management.base import BaseCommand

from declarations.payments.demo_data import payments_demo_seed
from declarations.statements.demo_data import statements_demo_seed
from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        rows = seed_demo()
        statements_demo_seed()  # a month of C12-TS figures and a payment for TZH490L
        payments_demo_seed()  # a statement: one transfer matched to TZH490L, one queued
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Password for every demo user: {settings.DEMO_PASSWORD}")
        width = max(len(r[0]) for r in rows)
        for username, role, office in rows:
            self.stdout.write(f"  {username.ljust(width)}  {role} · {office}")
