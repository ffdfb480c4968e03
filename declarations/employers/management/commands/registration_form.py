"""Write the unsigned 04/ĐK-IVAN of a known employer for a certificate (to sign with
``sign_form`` and send with a registration or a renewal)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.refusals import Refused
from declarations.employers.models import Employer
from declarations.employers.pki.trust import load_certificate
from declarations.employers.registration_form import registration_form_of_employer


class Command(BaseCommand):
    help = "registration_form --unit TZH490L --cert CERT.pem OUT.xml — the unsigned 04/ĐK-IVAN"

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="unit code (mã đơn vị)")
        parser.add_argument("--cert", required=True, type=Path)
        parser.add_argument("outfile", type=Path)

    def handle(self, *args, unit, cert, outfile, **options):
        employer = Employer.objects.filter(unit_code=unit.strip().upper()).first()
        if employer is None:
            raise CommandError(f"no employer with unit code {unit}")
        try:
            certificate = load_certificate(cert.read_bytes())
        except (OSError, Refused) as exc:
            raise CommandError(f"cannot read {cert}: {exc}") from exc
        outfile.write_bytes(
            registration_form_of_employer(employer=employer, certificate=certificate)
        )
        self.stdout.write(f"wrote {outfile}")
