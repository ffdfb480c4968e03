"""Sign one XML form at ``<Root>/Cky`` (the 04/ĐK-IVAN that proves possession of a key)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from lxml import etree

from declarations.employers.pki.signing import sign_form


class Command(BaseCommand):
    help = (
        "sign_form --key KEY.pem --cert CERT.pem IN.xml OUT.xml — sign a form (e.g. the "
        "04/ĐK-IVAN downloaded from the registration page) at <Root>/Cky"
    )

    def add_arguments(self, parser):
        parser.add_argument("--key", required=True, type=Path)
        parser.add_argument("--cert", required=True, type=Path)
        parser.add_argument("infile", type=Path)
        parser.add_argument("outfile", type=Path)

    def handle(self, *args, key, cert, infile, outfile, **options):
        try:
            signed = sign_form(
                infile.read_bytes(), key_pem=key.read_bytes(), cert_pem=cert.read_bytes()
            )
        except (OSError, ValueError, TypeError, etree.XMLSyntaxError) as exc:
            raise CommandError(f"cannot sign {infile}: {exc}") from exc
        outfile.write_bytes(signed)
        self.stdout.write(f"signed {infile} → {outfile}")
