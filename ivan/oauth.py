"""OAuth2 client authentication for providers: any of a client's live secrets is accepted
(two during a rotation), and only clients of providers under contract get tokens."""

import base64
import binascii
import hashlib
from urllib.parse import unquote_plus

from django.contrib.auth.hashers import check_password
from django.db.models import Exists, OuterRef
from django.utils import timezone
from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator

from ivan.models import ClientSecret, Contract


def _basic_credentials(validator, request) -> tuple[str, str] | None:
    auth = validator._extract_basic_auth(request)
    if not auth:
        return None
    try:
        client_id, secret = base64.b64decode(auth).decode("utf-8").split(":", 1)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return unquote_plus(client_id), unquote_plus(secret)


def _token_query(*, checksum, day):
    in_force = Contract.objects.in_force(on=day).filter(
        provider_id=OuterRef("application__ivan_client__provider_id")
    )
    return (
        get_access_token_model()
        .objects.select_related("application__ivan_client__provider")
        .annotate(ivan_contract_in_force=Exists(in_force))
        .filter(token_checksum=checksum)
        .order_by("pk")
    )


class ProviderOAuth2Validator(OAuth2Validator):
    def _load_access_token(self, token):
        """The token with its application, API client and provider, and whether the
        provider's contract is in force today (``ivan_contract_in_force``), in one query.

        Nothing is cached across requests: a suspended or ended contract stops the very
        next call. (Provider tokens have no user: ``token.user`` costs no query.)
        """
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        return _token_query(checksum=checksum, day=timezone.localdate()).first()

    def authenticate_client(self, request, *args, **kwargs):
        credentials = _basic_credentials(self, request)
        if credentials is None:
            client_id = getattr(request, "client_id", None)
            secret = getattr(request, "client_secret", None) or ""
            if not client_id:
                return False
            credentials = (client_id, secret)
        client_id, secret = credentials
        application = self._load_application(client_id, request)
        if application is None or application.client_id != client_id:
            return False
        client = getattr(application, "ivan_client", None)
        if client is None:
            return False
        if not Contract.objects.in_force().filter(provider_id=client.provider_id).exists():
            return False
        live = ClientSecret.objects.filter(client=client, revoked_at__isnull=True)
        return any(check_password(secret, s.secret_hash) for s in live)

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        ivan_client = getattr(client, "ivan_client", None)
        if ivan_client is None:
            return False
        return set(scopes) <= ivan_client.allowed_scopes
