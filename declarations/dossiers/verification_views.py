"""The public verification page (/xac-thuc/): no login; type a code, follow the QR code's
link, or drop the XML or PDF. Logic in :mod:`declarations.dossiers.verification`."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.refusals import Problem, Refused
from core.uploads import upload_limit
from declarations.dossiers.agency_documents import code_display, code_normalize
from declarations.dossiers.verification import rate_check, verify_code, verify_file

# The verdict's headline in both languages, whatever the page's language (the holder may
# show it to someone who reads the other).
HEADLINES = {
    "genuine": (
        "Văn bản thật, do cơ quan BHXH ký số",
        "Genuine: signed by the social insurance agency",
    ),
    "unsigned": (
        "Văn bản do cơ quan BHXH phát hành, không có chữ ký số",
        "Issued by the agency, without a digital signature",
    ),
    "not_genuine": ("Văn bản KHÔNG xác thực", "Not genuine"),
    "unknown": ("Không tìm thấy văn bản với mã này", "No document has this code"),
}
REASONS = {
    "not_issued": (
        "Tệp không trùng khớp với văn bản nào cơ quan BHXH đã phát hành: tệp đã bị sửa "
        "(dù chỉ một byte) hoặc không do cơ quan BHXH phát hành.",
        "The file matches no document the agency issued: it was changed (even by one byte) "
        "or was not issued by the agency.",
    ),
    "signature": (
        "Chữ ký số trên tệp không phải của cơ quan BHXH hoặc không còn nguyên vẹn.",
        "The file's digital signature is not the agency's, or is no longer intact.",
    ),
}


def _file_limit() -> int:
    return settings.VERIFY_FILE_MAX_MB * 1024 * 1024


def _page(request, *, verdict=None, errors=(), status=200, code_text=""):
    document = verdict.document if verdict else None
    context = {
        "verdict": verdict,
        "headline": HEADLINES[verdict.state] if verdict else None,
        "reason": REASONS.get(verdict.reason) if verdict else None,
        "document": document,
        "code_text": code_text,
        "errors": list(errors),
        "issued_at": timezone.localtime(document.issued_at) if document else None,
        "max_mb": settings.VERIFY_FILE_MAX_MB,
    }
    response = render(request, "declarations/verification.html", context, status=status)
    response["Referrer-Policy"] = "no-referrer"
    return response


def _refused(request, refusal: Refused, status: int):
    return _page(request, errors=refusal.errors, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@upload_limit(_file_limit)
def verify_form(request):
    """GET: the form (``?ma=`` goes to the code's page); POST: a dropped file."""
    if request.method == "GET":
        typed = request.GET.get("ma", "").strip()
        if not typed:
            return _page(request)
        code = code_normalize(typed)
        if code is None:
            return _page(request, errors=[Problem("VERIFY_CODE_FORMAT")], code_text=typed[:40])
        return redirect("verification:code", code=code)
    upload = request.FILES.get("tep")
    if upload is None:
        return _page(request, errors=[Problem("VERIFY_NOTHING")], status=400)
    try:
        rate_check(request)
    except Refused as refusal:
        return _refused(request, refusal, 429)
    return _page(request, verdict=verify_file(upload.read()))


@never_cache
@require_http_methods(["GET"])
def verify_code_page(request, code: str):
    """What the QR code points to: the document with this code."""
    normalized = code_normalize(code)
    if normalized is None:
        return _page(
            request, errors=[Problem("VERIFY_CODE_FORMAT")], status=404, code_text=code[:40]
        )
    try:
        rate_check(request)
    except Refused as refusal:
        return _refused(request, refusal, 429)
    verdict = verify_code(normalized)
    return _page(
        request,
        verdict=verdict,
        status=404 if verdict.document is None else 200,
        code_text=code_display(normalized),
    )
