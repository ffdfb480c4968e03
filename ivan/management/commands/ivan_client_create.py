"""``manage.py ivan_client_create``: issue an I-VAN API client from the server (central IT).

The secret is printed once and stored only hashed; rotate and revoke on the staff page
(or through ``ivan.services``). Audited like the page."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.refusals import Refused
from declarations.employers.models import Provider
from ivan import services


class Command(BaseCommand):
    help = "Issue an I-VAN API client (OAuth2 client credentials) for a provider."

    def add_arguments(self, parser):
        parser.add_argument("provider", help="provider code, e.g. VNPT")
        parser.add_argument(
            "--scope",
            action="append",
            default=[],
            help=f"a scope the client may request (repeat); one of: {', '.join(settings.IVAN_SCOPES)}",
        )
        parser.add_argument("--all-scopes", action="store_true", help="every scope the API knows")
        parser.add_argument(
            "--sandbox",
            action="store_true",
            help="a sandbox client: the whole pipeline, but no office queue",
        )
        parser.add_argument("--label", default="", help="a name for the first secret")

    def handle(self, *args, **options):
        provider = Provider.objects.filter(code=options["provider"].upper()).first()
        if provider is None:
            raise CommandError(f"Unknown provider: {options['provider']}")
        scopes = list(settings.IVAN_SCOPES) if options["all_scopes"] else options["scope"]
        scopes = [s for item in scopes for s in item.replace(",", " ").split()]
        try:
            issued = services.api_client_create(
                actor=None,
                provider=provider,
                scopes=scopes,
                sandbox=options["sandbox"],
                label=options["label"],
            )
        except Refused as refusal:
            raise CommandError(f"[{refusal.code}] {refusal.message}") from refusal
        kind = "sandbox" if options["sandbox"] else "live"
        self.stdout.write(f"provider: {provider.code} ({kind})")
        self.stdout.write(f"scopes: {' '.join(scopes)}")
        self.stdout.write(f"client_id: {issued.client_id}")
        self.stdout.write(f"client_secret: {issued.secret}")
        self.stdout.write(self.style.WARNING("The secret is shown only now; it is stored hashed."))
