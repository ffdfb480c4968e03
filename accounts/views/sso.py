"""The two SSO pages: off to the identity provider, and back from it.

mozilla-django-oidc's views with the provider's endpoints taken from its discovery
document, and every refusal answered on the login page with its Vietnamese message and
an audit entry (settings ``OIDC_AUTHENTICATE_CLASS`` / ``OIDC_CALLBACK_CLASS``)."""

from __future__ import annotations

from django.contrib import auth, messages
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import redirect
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from core.refusals import Refused

from .. import audit, sso_provider
from ..models import User
from ..signals import client_of


def sso_refusal_answer(request, refusal: Refused):
    """Back to the login page with the reason, signed out, and the refusal audited."""
    if request.user.is_authenticated:
        auth.logout(request)
    email = str(refusal.params.get("email", ""))[:254]
    known = User.objects.filter(email__iexact=email).first() if "@" in email else None
    audit.record(
        None,
        "login.sso_refused",
        (known or f"email:{email}") if email else "sso",
        None,
        {**client_of(request), "code": refusal.code, "email": email},
    )
    messages.error(request, refusal.message)
    return redirect(import_from_settings("LOGIN_REDIRECT_URL_FAILURE", "/"))


class SsoStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider's authorization endpoint (PKCE S256, nonce)."""

    @staticmethod
    def get_settings(attr, *args):
        if attr == "OIDC_OP_AUTHORIZATION_ENDPOINT":
            return ""  # read in get() from the discovery document, where a failure is answered
        return import_from_settings(attr, *args)

    def get(self, request):
        try:
            self.OIDC_OP_AUTH_ENDPOINT = sso_provider.provider().authorization_endpoint
        except Refused as refusal:
            return sso_refusal_answer(request, refusal)
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """The provider's return: the code is exchanged and checked; a user signed in or told why."""

    def get(self, request):
        try:
            return super().get(request)
        except Refused as refusal:
            return sso_refusal_answer(request, refusal)
        except SuspiciousOperation:  # a state this browser never started (replay, mix-up)
            return sso_refusal_answer(request, Refused("ACC-SSO-FAILED"))

    def login_failure(self):
        # The provider answered with an error (the user cancelled), or no state was kept.
        return sso_refusal_answer(self.request, Refused("ACC-SSO-FAILED"))
