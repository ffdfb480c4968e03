"""Register a relying party (the portal) for OAuth2 client credentials."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from csc_service.services import client_register


class Command(BaseCommand):
    help = "Register (or re-key) an OAuth2 client of the signing service."

    def add_arguments(self, parser):
        parser.add_argument("client_id")
        parser.add_argument("--name", required=True, help="shown to the holder: who asks")
        parser.add_argument("--secret", help="asked for when left out (16 characters or more)")

    def handle(self, *args, client_id, name, secret, **options):
        try:
            client_register(
                client_id=client_id, secret=secret or getpass.getpass("Secret: "), name=name
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"client {client_id} ready")
