"""Require the second factor for the roles that need it before any other page."""

from __future__ import annotations

import contextlib
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from .second_factor import otp_device_confirmed, otp_required_for

EXEMPT_URL_NAMES = {
    "accounts:otp_enrol",
    "accounts:otp_verify",
    "accounts:login",
    "accounts:logout",
    "set_language",
    "healthz",
    "favicon",
}


class SecondFactorMiddleware:
    """A signed-in user whose role needs TOTP and whose session is not verified yet is
    sent to enrol (no device) or to enter a code; API calls get 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.ACCOUNTS_OTP_REQUIRED and self._blocked(request):
            if request.path.startswith("/api/") or "/api/" in request.path:
                return JsonResponse(
                    {"code": "ACC-OTP-REQUIRED", "detail": "second factor required"}, status=403
                )
            name = (
                "accounts:otp_verify"
                if otp_device_confirmed(request.user)
                else "accounts:otp_enrol"
            )

            return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _blocked(self, request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        if request.path.startswith(("/" + settings.STATIC_URL.lstrip("/"),)):
            return False
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        if match.view_name in EXEMPT_URL_NAMES:
            return False
        return otp_required_for(user) and not user.is_verified()


class SessionRenewalMiddleware:
    """Keep a signed-in session alive while it is used, without a write per request.

    A session ends ``SESSION_IDLE_MINUTES`` after it was last saved. Saving it on every
    request (``SESSION_SAVE_EVERY_REQUEST``) cost one database commit per page view; here it
    is saved at most once per ``SESSION_RENEW_SECONDS``, so the idle limit holds to within
    that interval."""

    KEY = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and not session.modified:
            now = int(time.time())
            if now - int(session.get(self.KEY, 0)) >= settings.SESSION_RENEW_SECONDS:
                session[self.KEY] = now
                # Saved here, where a failure is caught: a page read from the replica while
                # the primary is down (a failover) is answered, and the renewal is tried
                # again on the next request. The cookie lasts as long as the browser
                # (SESSION_EXPIRE_AT_BROWSER_CLOSE): nothing to send again.
                with contextlib.suppress(DatabaseError, UpdateError):
                    session.save()
                session.modified = False
        return response
