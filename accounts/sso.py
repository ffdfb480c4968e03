"""OIDC single sign-on with official e-mail accounts (mozilla-django-oidc).

Off unless ``OIDC_ENABLED``. The provider is found through its discovery document
(:mod:`accounts.sso_provider`); the sign-in uses the authorization code with PKCE and a
nonce, and the id_token's signature, issuer and audience are checked against it. Claims
map to one existing, open agency account by its official e-mail address: an account is
never created, a locked one is refused. Local login remains; the second factor is asked
afterwards by :class:`accounts.middleware.SecondFactorMiddleware` as for any login.
"""

from __future__ import annotations

import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from core.refusals import Refused

from . import sso_provider
from .models import AccountKind, User


def email_allowed(email: str) -> bool:
    domains = settings.OIDC_ALLOWED_EMAIL_DOMAINS
    domain = email.rpartition("@")[2].lower()
    return bool(email) and "@" in email and (not domains or domain in domains)


def user_for_claims_or_refuse(claims: dict) -> User:
    """The one open account whose e-mail is the verified e-mail of the claims; otherwise
    a coded refusal saying why (domain, unverified, unknown, ambiguous, locked)."""
    email = (claims.get("email") or "").strip()
    if not email_allowed(email):
        raise Refused("ACC-SSO-EMAIL-DOMAIN", email=email or "—")
    if claims.get("email_verified") is False:
        raise Refused("ACC-SSO-EMAIL-UNVERIFIED", email=email)
    matches = list(
        User.objects.filter(email__iexact=email).exclude(account_kind=AccountKind.OUTSIDE)[:2]
    )
    if not matches:
        raise Refused("ACC-SSO-UNKNOWN-EMAIL", email=email)
    if len(matches) > 1:
        raise Refused("ACC-SSO-AMBIGUOUS", email=email)
    if not matches[0].is_active:
        raise Refused("ACC-SSO-LOCKED", email=email)
    return matches[0]


def user_for_claims(claims: dict) -> User | None:
    """The one open account whose e-mail is the verified e-mail of the claims, or None."""
    try:
        return user_for_claims_or_refuse(claims)
    except Refused:
        return None


class OfficialEmailBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc backend mapping claims to an existing user by e-mail.

    Its refusals are :class:`Refused` (not the library's SuspiciousOperation, which it
    turns into a silent "no user"), so the callback view can say why in Vietnamese."""

    def __init__(self, *args, **kwargs):
        # No network here: Django builds this backend for every password sign-in and for
        # every request of an SSO session; the provider is asked only when a login returns.
        self.UserModel = User
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.OIDC_OP_JWKS_ENDPOINT = None
        self.OIDC_OP_TOKEN_ENDPOINT = ""
        self.OIDC_OP_USER_ENDPOINT = ""

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs:
            return None  # a password sign-in, not the provider's return
        op = sso_provider.provider()
        self.OIDC_OP_TOKEN_ENDPOINT = op.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = op.userinfo_endpoint
        return super().authenticate(request, **kwargs)

    def get_token(self, payload):
        try:
            return super().get_token(payload)
        except requests.HTTPError as exc:  # the code was refused (used, expired, PKCE)
            raise Refused("ACC-SSO-FAILED") from exc
        except (requests.RequestException, ValueError) as exc:
            raise Refused("ACC-SSO-PROVIDER-DOWN") from exc

    def verify_token(self, token, **kwargs):
        # The library checks neither audience nor issuer; the whole check is ours.
        return sso_provider.id_token_claims(
            token, nonce=kwargs.get("nonce"), check_nonce="nonce" in kwargs
        )

    def get_userinfo(self, access_token, id_token, payload):
        try:
            claims = super().get_userinfo(access_token, id_token, payload)
        except (requests.RequestException, ValueError) as exc:
            raise Refused("ACC-SSO-PROVIDER-DOWN") from exc
        # OIDC Core §5.3.2: userinfo must be about the subject of the id_token.
        if payload and claims.get("sub") != payload.get("sub"):
            raise Refused("ACC-SSO-TOKEN")
        return claims

    def verify_claims(self, claims):
        user_for_claims_or_refuse(claims)
        return True

    def filter_users_by_claims(self, claims):
        return User.objects.filter(pk=user_for_claims_or_refuse(claims).pk)

    def create_user(self, claims):  # pragma: no cover - OIDC_CREATE_USER is False
        return None

    def get_user(self, user_id):
        # As for a password session: a locked account's session ends at its next request.
        return ModelBackend.get_user(self, user_id)

    # Rights come from memberships (accounts.backends.MembershipBackend) only; as a
    # ModelBackend this one would also grant the permissions of Django groups.
    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False
