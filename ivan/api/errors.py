"""Errors of the I-VAN API as RFC 9457 problem documents, with stable codes and messages in
Vietnamese (English when the request's Accept-Language asks for it)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import get_language
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_TYPE_BASE = "https://baohiemxahoi.gov.vn/problems/"

MESSAGES: dict[str, tuple[str, str]] = {
    "IVAN_UNAUTHENTICATED": (
        "Thiếu hoặc sai mã truy cập (access token).",
        "The access token is missing or invalid.",
    ),
    "IVAN_CONTRACT_INACTIVE": (
        "Hợp đồng của nhà cung cấp I-VAN không còn hiệu lực.",
        "The I-VAN provider's contract is not in force.",
    ),
    "IVAN_SCOPE_MISSING": (
        "Mã truy cập không có quyền (scope) cho thao tác này.",
        "The access token lacks the scope this call needs.",
    ),
    "IVAN_THROTTLED": (
        "Gửi quá nhiều yêu cầu; vui lòng thử lại sau.",
        "Too many requests; retry later.",
    ),
    "IVAN_NOT_FOUND": ("Không tìm thấy.", "Not found."),
    "IVAN_EMPLOYER_NOT_CARRIED": (
        "Đơn vị không giao dịch qua nhà cung cấp này.",
        "The employer does not transact through this provider.",
    ),
    "IVAN_IDEMPOTENCY_CONFLICT": (
        "Khóa Idempotency-Key đã được dùng cho một nội dung khác.",
        "The Idempotency-Key was already used with a different body.",
    ),
    "IVAN_DOSSIER_REFUSED": ("Hồ sơ bị từ chối.", "The dossier was refused."),
    "IVAN_VALIDATION": ("Dữ liệu gửi lên không hợp lệ.", "The request data is invalid."),
    "IVAN_METHOD_NOT_ALLOWED": ("Phương thức không được hỗ trợ.", "Method not allowed."),
    "IVAN_PAYLOAD_TOO_LARGE": (
        "Nội dung gửi lên vượt quá dung lượng cho phép; không có gì được lưu.",
        "The request body exceeds the size limit; nothing was saved.",
    ),
    "IVAN_UNSUPPORTED_MEDIA": (
        "Kiểu nội dung không được hỗ trợ.",
        "Unsupported content type.",
    ),
}


def message_for(code: str) -> str:
    vi, en = MESSAGES.get(code, (code, code))
    return en if (get_language() or "vi").startswith("en") else vi


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
    if isinstance(exc, RequestDataTooBig):  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE, unread
        return problem_response(code="IVAN_PAYLOAD_TOO_LARGE", status_code=413)
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
