"""OAuth2 client authentication for providers: any of a client's live secrets is accepted
(two during a rotation), and only clients of providers under contract get tokens."""

import base64
import binascii
import functools
import hashlib
from urllib.parse import unquote_plus

from django.contrib.auth.hashers import check_password
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator

from core.db import instances_fetch, select_columns
from declarations.employers.models import Provider
from ivan.models import ApiClient, ClientSecret, Contract, ContractState


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
    """The token with its application, API client and provider, and whether the provider's
    contract is in force on ``day`` (``ivan_contract_in_force``), in one query. On
    PostgreSQL the same read runs as :func:`_token_sql`."""
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


@functools.cache
def _token_sql() -> str:
    """:func:`_token_query` written out, the read every API call pays (see core.db).
    tests/ivan/test_api_access.py holds the two to the same answers."""
    token, application = get_access_token_model(), get_application_model()
    q = connection.ops.quote_name
    return (
        f"SELECT {select_columns(token, 't')}, {select_columns(application, 'a')}, "  # noqa: S608  (names from the models)
        f"{select_columns(ApiClient, 'c')}, {select_columns(Provider, 'p')}, "
        f"EXISTS (SELECT 1 FROM {q(Contract._meta.db_table)} k "
        "WHERE k.provider_id = c.provider_id AND k.state = %(active)s "
        "AND k.valid_from <= %(day)s AND (k.valid_to IS NULL OR k.valid_to >= %(day)s)) "
        f"FROM {q(token._meta.db_table)} t "
        f"LEFT JOIN {q(application._meta.db_table)} a ON a.id = t.application_id "
        f"LEFT JOIN {q(ApiClient._meta.db_table)} c ON c.application_id = a.id "
        f"LEFT JOIN {q(Provider._meta.db_table)} p ON p.id = c.provider_id "
        "WHERE t.token_checksum = %(checksum)s ORDER BY t.id LIMIT 1"
    )


def _token_load(*, checksum, day):
    if connection.vendor != "postgresql":
        return _token_query(checksum=checksum, day=day).first()
    params = {"checksum": checksum, "day": day, "active": ContractState.ACTIVE}
    models = (get_access_token_model(), get_application_model(), ApiClient, Provider)
    found = instances_fetch(_token_sql(), params, models)
    if not found:
        return None
    token, application, client, provider, in_force = found[0]
    # Linked as select_related leaves them: nothing asked of them costs a query.
    token.application = application
    if application is not None:
        if client is None:
            ApiClient.application.field.remote_field.set_cached_value(application, None)
        else:
            client.provider = provider
            application.ivan_client = client
    token.ivan_contract_in_force = in_force
    return token


class ProviderOAuth2Validator(OAuth2Validator):
    def _load_access_token(self, token):
        """The token with its application, API client and provider, and whether the
        provider's contract is in force today (``ivan_contract_in_force``), in one query.

        Nothing is cached across requests: a suspended or ended contract stops the very
        next call. (Provider tokens have no user: ``token.user`` costs no query.)
        """
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        return _token_load(checksum=checksum, day=timezone.localdate())

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
        live = ClientSecret.objects.live().filter(client=client)
        return any(check_password(secret, s.secret_hash) for s in live)

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        ivan_client = getattr(client, "ivan_client", None)
        if ivan_client is None:
            return False
        return set(scopes) <= ivan_client.allowed_scopes
