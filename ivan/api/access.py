"""Who is calling: the provider's API client behind an OAuth2 token, its contract, its
scopes per action, and its rate limit."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

from ivan.api.errors import ApiProblem
from ivan.models import ApiClient, Contract
from ivan.oauth import ProviderOAuth2Validator
from ivan.ratelimit import parse_rate, rate_take


class ProviderTokenAuthentication(OAuth2Authentication):
    """Bearer tokens of provider API clients (client-credentials grant)."""

    def authenticate(self, request):
        token = self._bearer_token(request)
        if token is None:
            # Anything else (no header, a token in the body, an invalid or expired token,
            # one restricted to an audience) takes django-oauth-toolkit's whole path.
            result = super().authenticate(request)
            if result is None:
                return None
            _user, token = result
        # Loaded with the token (ProviderOAuth2Validator._load_access_token): no query here.
        client = getattr(token.application, "ivan_client", None)
        if client is None:
            return None
        request.ivan_client = client
        request.ivan_contract_in_force = getattr(token, "ivan_contract_in_force", None)
        return (AnonymousUser(), token)

    def authenticate_header(self, request):
        return 'Bearer realm="ivan"'

    @staticmethod
    def _bearer_token(request):
        """The valid token of an ``Authorization: Bearer …`` header, read with the one query
        django-oauth-toolkit's validator makes (``_load_access_token``) but without building
        oauthlib's request around it (≈ 0.5 ms per call); None when the full path must
        decide. The same checks as its ``validate_bearer_token``: the token exists, has not
        expired (``is_valid``, no scope asked here: ProviderAccess checks them per action)
        and names no audience (RFC 8707 resources are left to the full path)."""
        parts = request.META.get("HTTP_AUTHORIZATION", "").split()
        if len(parts) != 2 or parts[0].lower() != "bearer":
            return None
        # The full path reads ``request.POST`` (looking for a token in a form body), which
        # makes DRF parse the body with the view's parsers: a body over the limit is
        # refused there (413, unread) whatever the method. Kept; the view reuses the parse.
        request.POST  # noqa: B018
        token = ProviderOAuth2Validator()._load_access_token(parts[1])
        if token is None or token.resource or not token.is_valid([]):
            return None
        return token


def api_client_of(request) -> ApiClient | None:
    return getattr(request, "ivan_client", None) or getattr(
        getattr(request, "_request", None), "ivan_client", None
    )


def contract_in_force(request, client: ApiClient) -> bool:
    """Whether the client's provider is under a contract in force, as loaded with the
    token on this request (asked again only when the token came another way)."""
    known = getattr(request, "ivan_contract_in_force", None)
    if known is not None:
        return known
    return Contract.objects.in_force().filter(provider_id=client.provider_id).exists()


class ProviderAccess(BasePermission):
    """A provider client, under a contract in force, holding the scopes of the action.

    The view names the scopes per action in ``required_scopes`` ({action or method: [..]}).
    The contract is checked on every call, so suspending it stops every token at once.
    """

    def has_permission(self, request, view):
        client = api_client_of(request)
        token = request.auth
        if client is None or token is None:
            raise ApiProblem("IVAN_UNAUTHENTICATED", 401)
        if not contract_in_force(request, client):
            raise ApiProblem("IVAN_CONTRACT_INACTIVE", 401)
        action = getattr(view, "action", None) or request.method.lower()
        needed = set(view.required_scopes.get(action, view.required_scopes.get("*", [])))
        if not needed <= set(token.scope.split()):
            raise ApiProblem(
                "IVAN_SCOPE_MISSING",
                403,
                detail=None,
                errors=[
                    {"code": "scope", "message": s, "location": "token"} for s in sorted(needed)
                ],
            )
        return True


class ProviderRateThrottle(BaseThrottle):
    """Requests per provider (all its clients together); the rate is the provider's own
    ``api_rate`` or ``IVAN_DEFAULT_RATE``. DRF answers 429 with ``Retry-After``.

    Counted by ivan.ratelimit: one atomic Redis call per request, whatever the rate."""

    def allow_request(self, request, view):
        client = api_client_of(request)
        if client is None:
            return True
        limit, period = parse_rate(client.provider.api_rate or settings.IVAN_DEFAULT_RATE)
        self.verdict = rate_take(f"throttle_ivan_{client.provider_id}", limit, period)
        return self.verdict.allowed

    def wait(self):
        return self.verdict.wait
