"""The identity provider as its discovery document describes it, and the id_token checks.

Settings name only the issuer (``OIDC_OP_ISSUER``) and the portal's client id and secret;
the endpoints and signing keys come from ``<issuer>/.well-known/openid-configuration``
(OpenID Connect Discovery 1.0), fetched over HTTP and kept in the cache. An id_token is
accepted only when signed (RS256) by a key of the provider's JWKS, issued by that issuer,
for this portal's client id, unexpired, and carrying the nonce of this sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass

import jwt
import requests
import structlog
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from core.refusals import Refused, codes_register

log = structlog.get_logger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
# A token naming a key the cached JWKS lacks makes the portal read the JWKS again (the
# provider rotated its key), at most once per this many seconds.
JWKS_REFRESH_SECONDS = 60
CLOCK_LEEWAY_SECONDS = 60

codes_register(
    "sso",
    "Single sign-on (official e-mail accounts)",
    {
        "ACC-SSO-PROVIDER-DOWN": _(
            "The single sign-on service cannot be reached; try again later or sign in with "
            "your password."
        ),
        "ACC-SSO-PROVIDER-CONFIG": _(
            "The single sign-on service's configuration does not match the portal's settings "
            "({detail}); tell the IT staff."
        ),
        "ACC-SSO-FAILED": _("Single sign-on did not complete; please try again."),
        "ACC-SSO-TOKEN": _(
            "The answer of the single sign-on service cannot be read; you are not signed in."
        ),
        "ACC-SSO-SIGNATURE": _(
            "The answer of the single sign-on service does not carry a valid signature; you are "
            "not signed in."
        ),
        "ACC-SSO-AUDIENCE": _(
            "The sign-in answer was issued for another application, not this portal; you are "
            "not signed in."
        ),
        "ACC-SSO-ISSUER": _(
            "The sign-in answer was not issued by the configured single sign-on service; you "
            "are not signed in."
        ),
        "ACC-SSO-EXPIRED": _("The sign-in answer has expired; please sign in again."),
        "ACC-SSO-NONCE": _(
            "The sign-in answer does not belong to this sign-in; please sign in again."
        ),
        "ACC-SSO-EMAIL-DOMAIN": _(
            "{email} is not an official e-mail address accepted by the portal."
        ),
        "ACC-SSO-EMAIL-UNVERIFIED": _(
            "The single sign-on service has not verified the e-mail address {email}."
        ),
        "ACC-SSO-UNKNOWN-EMAIL": _(
            "No portal account is linked to the official e-mail address {email}; ask your "
            "office's account administrator."
        ),
        "ACC-SSO-AMBIGUOUS": _(
            "More than one portal account uses the e-mail address {email}; ask your office's "
            "account administrator."
        ),
        "ACC-SSO-LOCKED": _(
            "The portal account linked to {email} is locked; you are not signed in."
        ),
    },
)


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("sso_provider_unreachable", url=url, error=str(exc)[:200])
        raise Refused("ACC-SSO-PROVIDER-DOWN") from exc
    if not isinstance(document, dict):
        raise Refused("ACC-SSO-PROVIDER-CONFIG", detail=url)
    return document


def _cache_key(kind: str) -> str:
    return f"sso:{kind}:{settings.OIDC_OP_ISSUER.rstrip('/')}"


def provider() -> Provider:
    """The configured provider's endpoints, from its discovery document (cached)."""
    issuer = settings.OIDC_OP_ISSUER.rstrip("/")
    document = cache.get(_cache_key("discovery"))
    if document is None:
        document = _get_json(issuer + DISCOVERY_PATH)
        # OIDC Discovery §4.3: the document must name the issuer it was fetched from.
        if str(document.get("issuer", "")).rstrip("/") != issuer:
            raise Refused("ACC-SSO-PROVIDER-CONFIG", detail="issuer")
        if settings.OIDC_RP_SIGN_ALGO not in document.get(
            "id_token_signing_alg_values_supported", []
        ):
            raise Refused("ACC-SSO-PROVIDER-CONFIG", detail=settings.OIDC_RP_SIGN_ALGO)
        if "S256" not in document.get("code_challenge_methods_supported", ["S256"]):
            raise Refused("ACC-SSO-PROVIDER-CONFIG", detail="PKCE S256")
        cache.set(_cache_key("discovery"), document, settings.OIDC_DISCOVERY_CACHE_SECONDS)
    try:
        return Provider(
            issuer=document["issuer"],
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            userinfo_endpoint=document["userinfo_endpoint"],
            jwks_uri=document["jwks_uri"],
        )
    except KeyError as exc:
        raise Refused("ACC-SSO-PROVIDER-CONFIG", detail=str(exc)) from exc


def _signing_keys(op: Provider, *, refresh: bool) -> dict[str, dict]:
    """The provider's published keys by key id (cached like the discovery document)."""
    keys = None if refresh else cache.get(_cache_key("jwks"))
    if keys is None:
        document = _get_json(op.jwks_uri)
        keys = {k.get("kid", ""): k for k in document.get("keys", []) if k.get("use", "sig")}
        cache.set(_cache_key("jwks"), keys, settings.OIDC_DISCOVERY_CACHE_SECONDS)
    return keys


def _signing_key(op: Provider, kid: str) -> jwt.PyJWK:
    keys = _signing_keys(op, refresh=False)
    if kid not in keys and cache.add(_cache_key("jwks-refreshed"), 1, JWKS_REFRESH_SECONDS):
        keys = _signing_keys(op, refresh=True)
    if kid not in keys:
        raise Refused("ACC-SSO-SIGNATURE")
    try:
        return jwt.PyJWK(keys[kid])
    except jwt.PyJWTError as exc:
        raise Refused("ACC-SSO-PROVIDER-CONFIG", detail="JWKS") from exc


def id_token_claims(token: str, *, nonce: str | None, check_nonce: bool = True) -> dict:
    """The claims of ``token`` once every check passed, else a coded refusal."""
    op = provider()
    algorithm = settings.OIDC_RP_SIGN_ALGO
    try:
        header = jwt.get_unverified_header(token or "")
    except jwt.PyJWTError as exc:
        raise Refused("ACC-SSO-TOKEN") from exc
    if header.get("alg") != algorithm:  # never "none", never HS256 keyed by the secret
        raise Refused("ACC-SSO-SIGNATURE")
    key = _signing_key(op, str(header.get("kid", "")))
    client_id = settings.OIDC_RP_CLIENT_ID
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=client_id,
            issuer=op.issuer,
            leeway=CLOCK_LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "sub", "exp", "iat"]},
        )
    except jwt.InvalidSignatureError as exc:
        raise Refused("ACC-SSO-SIGNATURE") from exc
    except jwt.InvalidAudienceError as exc:
        raise Refused("ACC-SSO-AUDIENCE") from exc
    except jwt.InvalidIssuerError as exc:
        raise Refused("ACC-SSO-ISSUER") from exc
    except jwt.ExpiredSignatureError as exc:
        raise Refused("ACC-SSO-EXPIRED") from exc
    except jwt.PyJWTError as exc:
        raise Refused("ACC-SSO-TOKEN") from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    # OIDC Core §3.1.3.7: with several audiences the token must be issued to this client.
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise Refused("ACC-SSO-AUDIENCE")
    if check_nonce and (not nonce or claims.get("nonce") != nonce):
        raise Refused("ACC-SSO-NONCE")
    return claims
