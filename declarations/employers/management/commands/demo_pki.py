"""Write a demo PKI: a CA and its CRL (a TRUSTED_CA_DIR) and employer keys/certificates."""

from pathlib import Path

from django.core.management.base import BaseCommand

from declarations.employers.models import Employer
from declarations.employers.pki.demo_ca import demo_pki_write


class Command(BaseCommand):
    help = (
        "Create a demo CA (DIR/ca: point TRUSTED_CA_DIR there), its CRL, and for each employer "
        "(or each --unit CODE:MST) a key and a certificate carrying MST:<tax code>."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--unit", action="append", default=[], help="UNIT_CODE:MST[:NAME]")

    def handle(self, *args, out: Path, unit, **options):
        units = []
        for spec in unit:
            code, mst, *name = spec.split(":")
            units.append((code, mst, name[0] if name else code))
        if not units:
            units = [(e.unit_code, e.tax_code, e.name) for e in Employer.objects.all()]
        written = demo_pki_write(out, units)
        self.stdout.write(f"CA and CRL: {written['ca']}  (set TRUSTED_CA_DIR to this folder)")
        for code, _mst, _name in units:
            self.stdout.write(f"{code}: {out / (code + '.key.pem')}  {written[code]}")
