"""Why was my file refused? Each signature of an envelope (and its forms) or of one form:
where, shape, cryptographic verdict, certificate, trust verdict. Writes nothing."""

import json
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from declarations.employers.pki.diagnosis import report_text, signatures_diagnose


class Command(BaseCommand):
    help = (
        "signature_check FILE [--at ISO-TIME] [--json]: every signature of a dossier or form, "
        "its shape, cryptographic and trust verdicts; exit 0 only when all are valid and trusted"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--at",
            default="",
            help="judge trust at this time (ISO 8601; default: now or the timestamp's)",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON")

    def handle(self, *args, file, at, as_json: bool, **options):
        moment = None
        if at:
            try:
                moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
            except ValueError as exc:
                raise CommandError(f"--at: not an ISO 8601 time: {at}") from exc
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        reports = signatures_diagnose(data, at=moment)
        if as_json:
            self.stdout.write(
                json.dumps(
                    {"signatures": [r.as_dict() for r in reports]}, ensure_ascii=False, indent=2
                )
            )
        else:
            self.stdout.write(report_text(reports), ending="")
        if not all(r.ok for r in reports):
            raise SystemExit(1)
