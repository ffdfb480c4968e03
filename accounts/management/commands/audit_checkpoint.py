"""``manage.py audit_checkpoint``: seal waiting audit entries and sign a checkpoint of the
chain's head now (the beat job ``accounts-audit-seal`` does it every
``AUDIT_CHECKPOINT_MINUTES``), e.g. before maintenance or after a key rotation."""

from django.core.management.base import BaseCommand, CommandError

from accounts import audit
from accounts.audit_checkpoints import checkpoint_write
from accounts.checkpoint_keys import CheckpointKeyError


class Command(BaseCommand):
    help = "Seal waiting audit entries and sign a checkpoint of the chain's head now."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-due",
            action="store_true",
            help="only when AUDIT_CHECKPOINT_MINUTES have passed since the last checkpoint",
        )

    def handle(self, *args, **options):
        audit.seal()
        try:
            row = checkpoint_write(force=not options["if_due"])
        except (CheckpointKeyError, OSError) as exc:
            raise CommandError(f"No checkpoint written: {exc}") from exc
        if row is None:
            self.stdout.write("No checkpoint needed: the head has not moved (or is not due).")
            return
        self.stdout.write(
            self.style.SUCCESS(f"Checkpoint #{row.seq} signed with key {row.key_id}.")
        )
