"""Run a dossier file through intake; print the receipt or every error; non-zero on refusal."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from declarations.intake.pipeline import intake_submit


class Command(BaseCommand):
    help = "submit_dossier FILE [--sandbox] [--trial SECRET]"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--sandbox", action="store_true", help="check only, write nothing")
        parser.add_argument("--trial", default=None, help="trial credential instead of signing")

    def handle(self, *args, file: Path, sandbox, trial, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        result = intake_submit(data=data, channel="cli", sandbox=sandbox, trial_secret=trial)
        if not result.ok:
            for error in result.errors:
                where = str(error.location)
                self.stderr.write(
                    f"{error.code}: {error.text()}" + (f" [{where}]" if where else "")
                )
            raise CommandError(f"dossier refused with {len(result.errors)} error(s)", returncode=2)
        if result.sandbox:
            self.stdout.write(f"OK (sandbox): {result.summary}")
            return
        d = result.dossier
        self.stdout.write(
            f"{'ALREADY RECEIVED' if result.duplicate else 'RECEIVED'} {d.transaction_code} "
            f"receipt {result.receipt.number} procedure {d.procedure_code} workers {d.worker_count}"
            + (" paper set required" if d.paper_required else "")
        )
