"""Register an application (relying party) that signs its users in here."""

from django.core.management.base import BaseCommand
from django.db import transaction
from oauth2_provider.models import get_application_model


class Command(BaseCommand):
    help = (
        "Create or update a confidential OpenID Connect client: authorization code with PKCE, "
        "RS256 id_tokens, no consent page (the ministry's own applications)."
    )

    def add_arguments(self, parser):
        parser.add_argument("client_id")
        parser.add_argument("--secret", required=True)
        parser.add_argument(
            "--redirect-uri",
            action="append",
            required=True,
            dest="redirect_uris",
            help="callback URL, e.g. https://portal.example/oidc/callback/ (repeatable)",
        )
        parser.add_argument("--name", default="")

    @transaction.atomic
    def handle(self, *args, client_id, secret, redirect_uris, name, **options):
        Application = get_application_model()
        _app, created = Application.objects.update_or_create(
            client_id=client_id,
            defaults={
                "name": name or client_id,
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
                "redirect_uris": " ".join(redirect_uris),
                "algorithm": Application.RS256_ALGORITHM,
                "skip_authorization": True,
                "client_secret": secret,
                "hash_client_secret": True,
            },
        )
        self.stdout.write(f"{client_id}: {'created' if created else 'updated'}")
