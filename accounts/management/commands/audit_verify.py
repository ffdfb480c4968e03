"""``manage.py audit_verify``: check the audit hash chain against its keyed checkpoints and
name the first broken link or the first contradicted checkpoint."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.audit_log import chain_check


def _checkpoint_problem(report) -> str:
    at = (
        timezone.localtime(report.checkpoint_at).strftime("%d/%m/%Y %H:%M:%S")
        if (report.checkpoint_at)
        else "?"
    )
    where = (
        f"checkpoint #{report.checkpoint_seq} of {at}" if report.checkpoint_seq else "checkpoints"
    )
    return (
        f"Audit {where} ({report.checkpoint_source}): {report.checkpoint_problem}: "
        f"{report.checkpoint_reason}."
    )


class Command(BaseCommand):
    help = (
        "Verify the audit log's SHA-256 chain and its signed checkpoints; exit 1 naming the "
        "first broken entry or the first checkpoint the chain contradicts."
    )

    def handle(self, *args, **options):
        report = chain_check()  # kept, so the audit viewer shows the last check
        if report.checkpoint_unavailable:
            self.stderr.write(
                f"Checkpoint copies not reachable now: {report.checkpoint_unavailable}."
            )
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain intact: {report.checked} entries, "
                    f"last verified #{report.last_verified_id or 0}; "
                    f"{report.checkpoints_checked} checkpoints agree "
                    f"(read from: {report.checkpoint_sources or 'database only'})."
                )
            )
            return
        problems = []
        if report.broken_id is not None:
            problems.append(
                f"Audit chain broken at entry #{report.broken_id}: {report.reason} "
                f"({report.checked} entries verified before it, last good "
                f"#{report.last_verified_id or 0})."
            )
        if report.checkpoint_problem:
            problems.append(_checkpoint_problem(report))
        raise CommandError(" ".join(problems))
