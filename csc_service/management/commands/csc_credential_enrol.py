"""Enrol a signing credential from a PEM key and certificate (the key is stored encrypted)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from csc_service.models import CscAccount
from csc_service.services import credential_enrol


class Command(BaseCommand):
    help = "Hold an RSA key and its certificate for an account of the signing service."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the holder's account (csc_account_create)")
        parser.add_argument("--key", required=True, help="PEM private key (unencrypted)")
        parser.add_argument("--cert", required=True, help="PEM certificate of that key")
        parser.add_argument("--chain", help="PEM file of the issuing CA certificates")
        parser.add_argument("--credential-id", default="", help="default: from the certificate")
        parser.add_argument("--description", default="")

    def handle(self, *args, username, key, cert, chain, credential_id, description, **options):
        try:
            credential = credential_enrol(
                username=username,
                key_pem=Path(key).read_bytes(),
                cert_pem=Path(cert).read_bytes(),
                chain_pem=Path(chain).read_bytes() if chain else b"",
                credential_id=credential_id,
                description=description,
            )
        except CscAccount.DoesNotExist:
            raise CommandError(f"no account {username}: run csc_account_create first") from None
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot enrol: {exc}") from None
        self.stdout.write(credential.credential_id)
