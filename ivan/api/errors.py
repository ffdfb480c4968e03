"""Errors of the I-VAN API as RFC 9457 problem documents, with stable codes and messages in
Vietnamese (English when the request's Accept-Language asks for it)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.refusals import CATALOGUE, Refused, codes_register

log = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds: a scripted or Patroni failover takes a few

PROBLEM_TYPE_BASE = "https://baohiemxahoi.gov.vn/problems/"

codes_register(
    "ivan",
    "I-VAN API (problem documents)",
    {
        "IVAN_UNAUTHENTICATED": _("The access token is missing or invalid."),
        "IVAN_CONTRACT_INACTIVE": _("The I-VAN provider's contract is not in force."),
        "IVAN_SCOPE_MISSING": _("The access token lacks the scope this call needs."),
        "IVAN_THROTTLED": _("Too many requests; retry later."),
        "IVAN_NOT_FOUND": _("Not found."),
        "IVAN_EMPLOYER_NOT_CARRIED": _("The employer does not transact through this provider."),
        "IVAN_IDEMPOTENCY_CONFLICT": _(
            "The Idempotency-Key was already used with a different body."
        ),
        "IVAN_DOSSIER_REFUSED": _("The dossier was refused."),
        "IVAN_VALIDATION": _("The request data is invalid."),
        "IVAN_METHOD_NOT_ALLOWED": _("Method not allowed."),
        "IVAN_PAYLOAD_TOO_LARGE": _("The request body exceeds the size limit; nothing was saved."),
        "IVAN_UNSUPPORTED_MEDIA": _("Unsupported content type."),
        "IVAN_UNAVAILABLE": _(
            "The service is briefly unavailable (its database is switching over); "
            "send the same request again with the same Idempotency-Key after Retry-After seconds."
        ),
    },
    intro="The API answers `application/problem+json` with one of these codes; a refused "
    "dossier (`IVAN_DOSSIER_REFUSED`) lists the intake codes above in `errors`.",
)


def message_for(code: str) -> str:
    """The catalogue's message for ``code`` in the active language; a message that needs
    parameters is summed up by its code (the ``detail`` carries the rendered text)."""
    if code not in CATALOGUE:
        return code
    text = str(CATALOGUE[code].message)
    return code if "{" in text else text


class ApiProblem(exceptions.APIException):
    """An API refusal with one of the catalogue's codes."""

    def __init__(
        self, code: str, status_code: int, errors: list | None = None, detail: str | None = None
    ):
        self.status_code = status_code
        self.code = code
        self.errors = errors or []
        super().__init__(detail=detail or message_for(code), code=code)


_DRF_CODES = {
    exceptions.NotAuthenticated: "IVAN_UNAUTHENTICATED",
    exceptions.AuthenticationFailed: "IVAN_UNAUTHENTICATED",
    exceptions.PermissionDenied: "IVAN_SCOPE_MISSING",
    exceptions.NotFound: "IVAN_NOT_FOUND",
    exceptions.Throttled: "IVAN_THROTTLED",
    exceptions.ValidationError: "IVAN_VALIDATION",
    exceptions.ParseError: "IVAN_VALIDATION",
    exceptions.MethodNotAllowed: "IVAN_METHOD_NOT_ALLOWED",
    exceptions.UnsupportedMediaType: "IVAN_UNSUPPORTED_MEDIA",
}


def problem_response(
    *,
    code: str,
    status_code: int,
    detail: str | None = None,
    errors: list | None = None,
    headers: dict | None = None,
) -> Response:
    body = {
        "type": PROBLEM_TYPE_BASE + code.lower().replace("_", "-"),
        "title": message_for(code),
        "status": status_code,
        "code": code,
        "detail": detail or message_for(code),
    }
    if errors:
        body["errors"] = errors
    response = Response(
        body, status=status_code, headers=headers, content_type="application/problem+json"
    )
    response.error_code = code
    return response


def exception_handler(exc, context):
    """Turn every API exception into application/problem+json (never an HTML 500)."""
    if isinstance(exc, ApiProblem):
        headers = {"WWW-Authenticate": 'Bearer realm="ivan"'} if exc.status_code == 401 else None
        return problem_response(
            code=exc.code,
            status_code=exc.status_code,
            detail=str(exc.detail),
            errors=exc.errors,
            headers=headers,
        )
    if isinstance(exc, Refused):  # a service's refusal that no view turned into a problem
        errors = [p.as_dict() for p in exc.errors]
        return problem_response(
            code=exc.code, status_code=422, detail=errors[0]["message"], errors=errors
        )
    if isinstance(exc, RequestDataTooBig):  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE, unread
        return problem_response(code="IVAN_PAYLOAD_TOO_LARGE", status_code=413)
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The primary is gone (a failover, a restart): a stated, retryable answer, not a 500.
        # The request's transaction did not commit; a retry with its key is safe.
        log.warning("ivan_database_unavailable", extra={"error": type(exc).__name__})
        return problem_response(
            code="IVAN_UNAVAILABLE", status_code=503, headers={"Retry-After": str(RETRY_AFTER)}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "IVAN_VALIDATION")
    errors = None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
    headers = {k: v for k, v in response.items() if k in {"Retry-After", "WWW-Authenticate"}}
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in headers:
        headers["WWW-Authenticate"] = 'Bearer realm="ivan"'
    return problem_response(
        code=code, status_code=response.status_code, errors=errors, headers=headers
    )


def _flatten(detail, location="") -> list[dict]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            out += _flatten(value, f"{location}.{key}" if location else str(key))
        return out
    if isinstance(detail, list):
        out = []
        for item in detail:
            out += _flatten(item, location)
        return out
    return [
        {"code": getattr(detail, "code", "invalid"), "message": str(detail), "location": location}
    ]
