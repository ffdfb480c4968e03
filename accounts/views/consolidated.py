"""The national consolidated quarterly account report (tổng hợp báo cáo) for central IT:
the page and its files. National roles only: a role that follows reports in a province
(or none) is refused, whatever the permission it holds there."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core import agency_signing
from core.refusals import Refused

from .. import audit, consolidated, consolidated_exports, exports, reports, scope
from .common import needs, service_error

VIEW_REPORTS = "accounts.view_account_reports"
MIN_YEAR, MAX_YEAR = 2000, 2100


def _national_only(user) -> None:
    if scope.office_ids_for(user, permission=VIEW_REPORTS) is not None:
        raise PermissionDenied


def _quarter(request) -> tuple[int, int]:
    default = reports.previous_quarter(timezone.localdate())
    try:
        year = int(request.GET.get("year", default[0]))
        quarter = int(request.GET.get("quarter", default[1]))
    except ValueError:
        return default
    if not (1 <= quarter <= 4 and MIN_YEAR <= year <= MAX_YEAR):
        return default
    return year, quarter


@needs(VIEW_REPORTS)
def national_report(request):
    _national_only(request.user)
    year, quarter = _quarter(request)
    report = consolidated.national_report(year=year, quarter=quarter)
    return render(
        request,
        "accounts/report_national.html",
        {"report": report, "pdf_signed": agency_signing.agency_signer_configured()},
    )


@needs(VIEW_REPORTS)
def national_file(request, fmt):
    _national_only(request.user)
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    year, quarter = _quarter(request)
    report = consolidated.national_report(year=year, quarter=quarter)
    signed = fmt == "pdf" and agency_signing.agency_signer_configured()
    if fmt == "xlsx":
        body, content_type = consolidated_exports.national_xlsx(report), exports.XLSX_TYPE
    else:
        body, content_type = (
            consolidated_exports.national_pdf(report, signed=signed),
            "application/pdf",
        )
    if signed:
        # A configured signer that fails (token gone, PIN refused) hands out nothing: an
        # unsigned copy would pass for the signed original. The page says why.
        try:
            body = agency_signing.pdf_sign(body, reason=consolidated_exports.national_title(report))
        except Refused as refusal:
            service_error(request, refusal.validation_error())
            page = reverse("accounts:reports_national")
            return redirect(f"{page}?year={year}&quarter={quarter}")
    audit.record(
        request.user,
        "report.national_exported",
        f"Q{quarter}/{year}",
        None,
        {
            "year": year,
            "quarter": quarter,
            "format": fmt,
            **({"signed": signed} if fmt == "pdf" else {}),
            "submitted": len(report.submitted),
            "overdue": [r.province.code for r in report.overdue],
        },
    )
    response = HttpResponse(body, content_type=content_type)
    name = f"tong-hop-bao-cao-tai-khoan-Q{quarter}-{year}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
