"""Data-extraction requests (đề nghị khai thác dữ liệu từ CSDL tập trung).

Requesting office → official letter + indicators form → approval by a central leader →
forwarded to central IT → fulfilled with an export file. Nothing is fulfilled or
downloaded before approval; every download is audited.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.outbox.services import outbox_enqueue

from . import audit, scope
from .models import DataRequest, DataRequestStatus, Office, User
from .reports import _emails_with

REQUEST = "accounts.request_data_extraction"
APPROVE = "accounts.approve_data_request"
FULFIL = "accounts.fulfil_data_request"

#: The indicators a request can ask for (chỉ tiêu dữ liệu), shipped with the form.
INDICATORS = {
    "participants": gettext_lazy("Number of participants (số người tham gia)"),
    "employers": gettext_lazy("Number of employers (số đơn vị)"),
    "contributions": gettext_lazy("Contributions collected (số thu)"),
    "arrears": gettext_lazy("Contribution arrears (nợ đóng)"),
    "e_transactions": gettext_lazy("Employers transacting electronically (giao dịch điện tử)"),
    "benefits": gettext_lazy("Benefits paid (chi trả chế độ)"),
    "health_cards": gettext_lazy("Health insurance cards issued (thẻ BHYT)"),
}
BREAKDOWNS = {
    "national": gettext_lazy("Whole country"),
    "province": gettext_lazy("By province"),
    "office": gettext_lazy("By local office"),
    "employer": gettext_lazy("By employer"),
}
LETTER_TYPES = {".pdf", ".jpg", ".jpeg", ".png"}
LETTER_MAX_BYTES = 10 * 1024 * 1024


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def indicators_clean(rows: list[dict]) -> list[dict]:
    """Check the indicators form rows: known indicator, month range, breakdown."""
    clean = []
    for row in rows:
        code, breakdown = row.get("indicator"), row.get("breakdown")
        start, end = row.get("period_from"), row.get("period_to")
        if code not in INDICATORS or breakdown not in BREAKDOWNS:
            raise _refuse(_("Choose an indicator and a breakdown."), "ACC-DATA-INDICATOR")
        if not isinstance(start, date) or not isinstance(end, date) or end < start:
            raise _refuse(_("The period is not valid."), "ACC-DATA-PERIOD")
        clean.append(
            {
                "indicator": code,
                "period_from": start.strftime("%m/%Y"),
                "period_to": end.strftime("%m/%Y"),
                "breakdown": breakdown,
                "filters": (row.get("filters") or "").strip()[:200],
            }
        )
    if not clean:
        raise _refuse(_("Ask for at least one indicator."), "ACC-DATA-INDICATOR")
    return clean


def data_requests_visible(actor: User) -> QuerySet[DataRequest]:
    """Requests ``actor`` may open: their province's as requester, all as leader or IT."""
    ids = set()
    for permission in (REQUEST, APPROVE, FULFIL):
        ids |= set(
            scope.scoped(actor, DataRequest.objects.all(), permission=permission).values_list(
                "id", flat=True
            )
        )
    return DataRequest.objects.filter(id__in=ids).select_related("office", "requested_by")


@transaction.atomic
def data_request_file(
    *,
    actor: User,
    office: Office,
    letter_number: str,
    letter_date: date,
    letter_file: UploadedFile,
    indicators: list[dict],
    purpose: str,
    recipient: str,
) -> DataRequest:
    if not scope.may(actor, REQUEST, office):
        raise _refuse(_("You may not request data for this office."), "ACC-DATA-SCOPE")
    name = (letter_file.name or "").lower()
    if not any(name.endswith(ext) for ext in LETTER_TYPES):
        raise _refuse(_("The letter must be a PDF or an image."), "ACC-DATA-LETTER")
    if letter_file.size > LETTER_MAX_BYTES:
        raise _refuse(_("The letter is larger than 10 MB."), "ACC-DATA-LETTER")
    request = DataRequest(
        office=office,
        requested_by=actor,
        letter_number=letter_number.strip(),
        letter_date=letter_date,
        indicators=indicators_clean(indicators),
        purpose=purpose.strip(),
        recipient=recipient.strip(),
    )
    request.letter_file.save(letter_file.name, letter_file, save=False)
    request.save()
    audit.record(
        actor,
        "data_request.filed",
        request,
        office,
        {
            "letter": request.letter_number,
            "indicators": [i["indicator"] for i in request.indicators],
        },
    )
    emails = _emails_with(APPROVE)
    if emails:
        outbox_enqueue(
            kind="email",
            key=f"data-request-filed-{request.pk}",
            payload={
                "to": emails,
                "subject": _("Data extraction request waiting for approval"),
                "body": _("%(office)s asks for data (letter %(letter)s).")
                % {"office": office.name, "letter": request.letter_number},
            },
        )
    return request


def _locked(request: DataRequest) -> DataRequest:
    return DataRequest.objects.select_for_update().get(pk=request.pk)


@transaction.atomic
def data_request_approve(*, actor: User, request: DataRequest, note: str = "") -> DataRequest:
    """The leader approves; the request is forwarded to central IT at once."""
    request = _locked(request)
    if not scope.may(actor, APPROVE, request.office):
        raise _refuse(_("Only a VSS leader approves data requests."), "ACC-DATA-APPROVER")
    if request.status != DataRequestStatus.SUBMITTED:
        raise _refuse(_("This request has already been decided."), "ACC-DATA-DECIDED")
    request.status = DataRequestStatus.FORWARDED
    request.approved_by = actor
    request.approved_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["status", "approved_by", "approved_at", "decision_note"])
    audit.record(actor, "data_request.approved", request, request.office, {"note": note})
    audit.record(actor, "data_request.forwarded", request, request.office, {"to": "central_it"})
    emails = _emails_with(FULFIL)
    if emails:
        outbox_enqueue(
            kind="email",
            key=f"data-request-forwarded-{request.pk}",
            payload={
                "to": emails,
                "subject": _("Approved data extraction request to fulfil"),
                "body": _("Letter %(letter)s from %(office)s was approved.")
                % {"letter": request.letter_number, "office": request.office.name},
            },
        )
    return request


@transaction.atomic
def data_request_reject(*, actor: User, request: DataRequest, note: str) -> DataRequest:
    request = _locked(request)
    if not scope.may(actor, APPROVE, request.office):
        raise _refuse(_("Only a VSS leader approves data requests."), "ACC-DATA-APPROVER")
    if request.status != DataRequestStatus.SUBMITTED:
        raise _refuse(_("This request has already been decided."), "ACC-DATA-DECIDED")
    request.status = DataRequestStatus.REJECTED
    request.decision_note = note
    request.save(update_fields=["status", "decision_note"])
    audit.record(actor, "data_request.rejected", request, request.office, {"note": note})
    return request


@transaction.atomic
def data_request_fulfil(
    *, actor: User, request: DataRequest, export_file: UploadedFile
) -> DataRequest:
    """Central IT attaches the export file (only to an approved request)."""
    request = _locked(request)
    if not scope.may(actor, FULFIL, request.office):
        raise _refuse(_("Only central IT fulfils data requests."), "ACC-DATA-FULFILLER")
    if not request.approved:
        raise _refuse(_("This request has not been approved."), "ACC-DATA-NOT-APPROVED")
    if request.status == DataRequestStatus.FULFILLED:
        raise _refuse(_("This request was already fulfilled."), "ACC-DATA-DONE")
    request.export_file.save(export_file.name, export_file, save=False)
    request.status = DataRequestStatus.FULFILLED
    request.fulfilled_by = actor
    request.fulfilled_at = timezone.now()
    request.save(update_fields=["export_file", "status", "fulfilled_by", "fulfilled_at"])
    audit.record(
        actor,
        "data_request.fulfilled",
        request,
        request.office,
        {"file": request.export_file.name, "size": request.export_file.size},
    )
    if request.requested_by.email:
        outbox_enqueue(
            kind="email",
            key=f"data-request-fulfilled-{request.pk}",
            payload={
                "to": [request.requested_by.email],
                "subject": _("Your data extraction request was fulfilled"),
                "body": _("The export for letter %(letter)s is ready to download.")
                % {"letter": request.letter_number},
            },
        )
    return request


@transaction.atomic
def data_request_download(*, actor: User, request: DataRequest, which: str):
    """Open the letter or the export file for ``actor``; the download is audited.

    The export is given out only when the request was approved and fulfilled."""
    if not data_requests_visible(actor).filter(pk=request.pk).exists():
        raise PermissionDenied("ACC-DATA-SCOPE")
    if which == "export":
        if not request.approved:
            raise _refuse(_("This request has not been approved."), "ACC-DATA-NOT-APPROVED")
        if request.status != DataRequestStatus.FULFILLED or not request.export_file:
            raise _refuse(_("The export file is not ready."), "ACC-DATA-NOT-READY")
        field = request.export_file
    elif which == "letter":
        field = request.letter_file
    else:
        raise _refuse(_("Unknown file."), "ACC-DATA-FILE")
    audit.record(
        actor,
        "data_request.downloaded",
        request,
        request.office,
        {"file": which, "name": field.name},
    )
    field.open("rb")
    return field
