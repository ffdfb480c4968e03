"""``manage.py demo_csc``: the demo units' keys at the demo CA's remote-signing service."""

from django.core.management.base import BaseCommand

from demo.csc import csc_demo_seed


class Command(BaseCommand):
    help = "Enrol the demo units' keys at the remote-signing service (/csc/) and this portal."

    def handle(self, *args, **options):
        enrolled = csc_demo_seed()
        if not enrolled:
            self.stdout.write("Remote signing (CSC): not installed or no demo key yet.")
            return
        self.stdout.write(
            f"Remote signing (CSC): user IDs {', '.join(enrolled)} (the demo password) "
            "approve at /csc/phe-duyet/."
        )
