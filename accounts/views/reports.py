"""Quarterly account reports: the province's page, submission, files, the central list."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.db_routing import replica_reads

from .. import audit, exports, reports, scope
from ..models import OfficeLevel
from .common import needs, service_error

MANAGE_STAFF = "accounts.manage_staff"
VIEW_REPORTS = "accounts.view_account_reports"
MIN_YEAR, MAX_YEAR = 2000, 2100


def _provinces(user, on):
    """Provinces (as they stood on ``on``) whose reports ``user`` may open."""
    ids = set()
    for permission in (MANAGE_STAFF, VIEW_REPORTS):
        ids |= set(
            scope.offices_for(user, permission=permission)
            .filter(level=OfficeLevel.PROVINCE)
            .values_list("id", flat=True)
        )
    return reports.provinces_on(on).filter(id__in=ids).order_by("code")


def _report(request, code, year, quarter):
    if not (1 <= quarter <= 4 and MIN_YEAR <= year <= MAX_YEAR):
        raise Http404
    end = reports.quarter_bounds(year, quarter)[1]
    province = _provinces(request.user, end).filter(code=code).first()
    if province is None:
        raise Http404
    try:
        return reports.report_get(province=province, year=year, quarter=quarter)
    except ValidationError as exc:
        raise Http404 from exc


@needs(MANAGE_STAFF, VIEW_REPORTS)
@replica_reads
def report_list(request):
    year, quarter = reports.previous_quarter(timezone.localdate())
    provinces = list(_provinces(request.user, reports.quarter_bounds(year, quarter)[1]))
    rows = []
    for province in provinces:
        report = reports.AccountReport.objects.filter(
            province=province, year=year, quarter=quarter
        ).first()
        rows.append(
            {
                "province": province,
                "report": report,
                "state": reports.report_state(
                    year=year, quarter=quarter, submitted_at=report and report.submitted_at
                ),
            }
        )
    return render(
        request,
        "accounts/report_list.html",
        {
            "rows": rows,
            "year": year,
            "quarter": quarter,
            "due": reports.due_before(year, quarter),
        },
    )


@needs(MANAGE_STAFF, VIEW_REPORTS)
def report_detail(request, code, year, quarter):
    report = _report(request, code, year, quarter)
    state = reports.report_state(year=year, quarter=quarter, submitted_at=report.submitted_at)
    return render(
        request,
        "accounts/report_detail.html",
        {
            "report": report,
            "f": report.figures,
            "state": state,
            "due": reports.due_before(year, quarter),
            "may_submit": scope.may(request.user, MANAGE_STAFF, report.province)
            and report.submitted_at is None
            and state != reports.ReportState.RUNNING,
        },
    )


@require_POST
@needs(MANAGE_STAFF)
def report_submit(request, code, year, quarter):
    report = _report(request, code, year, quarter)
    try:
        reports.report_submit(actor=request.user, report=report)
    except ValidationError as exc:
        service_error(request, exc)
    else:
        messages.success(request, _("Report submitted to central IT."))
    return redirect("accounts:report_detail", code=code, year=year, quarter=quarter)


@needs(MANAGE_STAFF, VIEW_REPORTS)
def report_file(request, code, year, quarter, fmt):
    report = _report(request, code, year, quarter)
    if fmt == "xlsx":
        body, content_type = exports.report_xlsx(report), exports.XLSX_TYPE
    else:
        body, content_type = exports.report_pdf(report), "application/pdf"
    audit.record(request.user, "report.downloaded", report, report.province, {"format": fmt})
    response = HttpResponse(body, content_type=content_type)
    name = f"bao-cao-tai-khoan-{code}-Q{quarter}-{year}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@needs(VIEW_REPORTS)
@replica_reads
def not_submitted(request):
    default = reports.previous_quarter(timezone.localdate())
    try:
        year = int(request.GET.get("year", default[0]))
        quarter = int(request.GET.get("quarter", default[1]))
    except ValueError:
        year, quarter = default
    if not (1 <= quarter <= 4 and MIN_YEAR <= year <= MAX_YEAR):
        year, quarter = default
    rows = reports.provinces_not_submitted(year=year, quarter=quarter)
    return render(
        request,
        "accounts/report_missing.html",
        {
            "rows": rows,
            "year": year,
            "quarter": quarter,
            "due": reports.due_before(year, quarter),
        },
    )
