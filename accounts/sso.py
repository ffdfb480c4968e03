"""OIDC single sign-on with official e-mail accounts (mozilla-django-oidc).

Off unless ``OIDC_ENABLED``; it only maps to existing, open accounts by e-mail address
(never creates one) and accepts only the configured e-mail domains. Local login remains.
"""

from __future__ import annotations

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .models import AccountKind, User


def email_allowed(email: str) -> bool:
    domains = settings.OIDC_ALLOWED_EMAIL_DOMAINS
    domain = email.rpartition("@")[2].lower()
    return bool(email) and "@" in email and (not domains or domain in domains)


def user_for_claims(claims: dict) -> User | None:
    """The one open account whose e-mail is the verified e-mail of the claims, or None."""
    email = (claims.get("email") or "").strip()
    if not email_allowed(email) or claims.get("email_verified") is False:
        return None
    matches = list(
        User.objects.filter(email__iexact=email, is_active=True).exclude(
            account_kind=AccountKind.OUTSIDE
        )[:2]
    )
    return matches[0] if len(matches) == 1 else None


class OfficialEmailBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc backend mapping claims to an existing user by e-mail."""

    def verify_claims(self, claims):
        return user_for_claims(claims) is not None

    def filter_users_by_claims(self, claims):
        user = user_for_claims(claims)
        return User.objects.filter(pk=user.pk) if user else User.objects.none()

    def create_user(self, claims):  # pragma: no cover - OIDC_CREATE_USER is False
        return None
