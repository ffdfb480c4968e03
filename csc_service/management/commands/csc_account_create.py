"""Create (or reset) a holder's account at the signing service."""

import getpass

from django.core.management.base import BaseCommand

from csc_service.services import account_create


class Command(BaseCommand):
    help = "Create a signing-service account (or set its password): the holder's user ID."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the user ID the relying party lists it by")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--password", help="asked for when left out")

    def handle(self, *args, username, full_name, password, **options):
        password = password or getpass.getpass("Password: ")
        account_create(username=username, password=password, full_name=full_name)
        self.stdout.write(f"account {username} ready")
