"""``manage.py demo_documents_sign``: sign the demo notices' documents the seed issued before
the agency's token was set up (scripts/dev.sh runs it once the token's settings are
exported)."""

from django.core.management.base import BaseCommand

from core.agency_signing import agency_signer_configured
from demo.documents import demo_documents_sign


class Command(BaseCommand):
    help = "Sign the notices' documents issued unsigned, once the agency's token is configured."

    def handle(self, *args, **options):
        if not agency_signer_configured():
            self.stdout.write("No agency token configured: the documents stay unsigned.")
            return
        signed = demo_documents_sign()
        self.stdout.write(self.style.SUCCESS(f"Documents signed by the agency's token: {signed}"))
