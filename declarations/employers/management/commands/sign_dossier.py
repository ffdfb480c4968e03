"""Sign a dossier exactly as intake expects: every embedded form, then the envelope."""

from pathlib import Path

import httpx
from django.core.management.base import BaseCommand, CommandError

from declarations.employers.pki.signing import sign_dossier


class Command(BaseCommand):
    help = "sign_dossier --key KEY.pem --cert CERT.pem [--tsa URL] IN.xml OUT.xml"

    def add_arguments(self, parser):
        parser.add_argument("--key", required=True, type=Path)
        parser.add_argument("--cert", required=True, type=Path)
        parser.add_argument(
            "--tsa", default="", help="RFC 3161 time-stamping authority to timestamp the signature"
        )
        parser.add_argument("infile", type=Path)
        parser.add_argument("outfile", type=Path)

    def handle(self, *args, key, cert, tsa, infile, outfile, **options):
        try:
            signed = sign_dossier(
                infile.read_bytes(),
                key_pem=key.read_bytes(),
                cert_pem=cert.read_bytes(),
                tsa_url=tsa or None,
            )
        except (OSError, ValueError, httpx.HTTPError) as exc:
            raise CommandError(f"cannot sign {infile}: {exc}") from exc
        outfile.write_bytes(signed)
        self.stdout.write(f"signed {infile} → {outfile}")
