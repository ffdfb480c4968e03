"""The base of every I-VAN API view: authentication, scopes, throttling, problem+json
errors, and one statistics row and one audit entry per call."""

from __future__ import annotations

import time

from rest_framework.parsers import FormParser, JSONParser
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from accounts import audit
from core.db import Children, rows_insert_linked
from ivan.api.access import (
    ProviderAccess,
    ProviderRateThrottle,
    ProviderTokenAuthentication,
    api_client_of,
)
from ivan.api.errors import exception_handler
from ivan.api.parsers import BoundedMultiPartParser
from ivan.models import ApiCall


class ProviderApiMixin:
    authentication_classes = [ProviderTokenAuthentication]
    permission_classes = [ProviderAccess]
    throttle_classes = [ProviderRateThrottle]
    parser_classes = [JSONParser, FormParser, BoundedMultiPartParser]
    required_scopes: dict[str, list[str]] = {}

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request, *args, **kwargs):
        request._ivan_started = time.monotonic()
        super().initial(request, *args, **kwargs)

    @property
    def client(self):
        return api_client_of(self.request)

    def call_rows(self, request, status_code: int, error_code: str = "") -> list[Children]:
        """This call's statistics row and audit entry, unsaved; None of them is written again
        by ``finalize_response`` once ``request.ivan_call_written`` says they went in with
        the call's own statement (a new dossier's)."""
        client = api_client_of(request)
        started = getattr(request, "_ivan_started", None) or time.monotonic()
        action = getattr(self, "action", None) or request.method.lower()
        name = f"{self.__class__.__name__}.{action}"
        call = ApiCall(
            client=client,
            action=name,
            status_code=status_code,
            error_code=error_code,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        entry = audit.entry_build(
            None,
            "ivan.api.call",
            client,
            None,
            {
                "provider": client.provider.code,
                "action": name,
                "method": request.method,
                "path": request.path,
                "status": status_code,
                "error": error_code,
            },
        )
        return [Children([call]), Children([entry])]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if api_client_of(request) is not None and not getattr(request, "ivan_call_written", False):
            error_code = getattr(response, "error_code", "") or ""
            call, entry = self.call_rows(request, response.status_code, error_code)
            rows_insert_linked(call.objs[0], entry)  # both rows, one statement
        return response


class ProviderApiView(ProviderApiMixin, APIView):
    pass


class ProviderViewSet(ProviderApiMixin, GenericViewSet):
    pass
