"""Download the licensed CAs' CRLs now (what the beat job ``trust-crl-refresh`` does)."""

from django.core.management.base import BaseCommand, CommandError

from declarations.employers.authorities import trust_refresh


class Command(BaseCommand):
    help = (
        "Download each active CA's CRL, verify it against the CA and keep the last good one "
        "(--ca CODE to choose; exit status 1 when any download or check failed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ca", action="append", dest="codes", metavar="CODE")

    def handle(self, *args, codes=None, **options):
        outcomes = trust_refresh(codes=codes)
        if not outcomes:
            self.stdout.write("no active CA with CRL URLs")
            return
        for outcome in outcomes:
            self.stdout.write(
                f"{outcome.code}: {outcome.stored} new, {outcome.unchanged} unchanged"
                + "".join(f"\n  ! {error}" for error in outcome.errors)
            )
        failed = [o.code for o in outcomes if not o.ok]
        if failed:
            raise CommandError(f"refresh failed for: {', '.join(failed)}")
