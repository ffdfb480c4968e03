"""Data-extraction requests: nothing fulfilled or downloaded before a leader's approval;
every download audited; pages scoped."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import data_requests as svc
from accounts.models import AuditEntry, DataRequest
from accounts.selectors import office_resolve
from core.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db

INDICATORS = [
    {
        "indicator": "participants",
        "period_from": date(2026, 1, 1),
        "period_to": date(2026, 6, 1),
        "breakdown": "office",
        "filters": "Hà Nội",
    },
    {
        "indicator": "e_transactions",
        "period_from": date(2026, 1, 1),
        "period_to": date(2026, 3, 1),
        "breakdown": "employer",
    },
]


def letter(name="cong-van-123.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 official letter", content_type="application/pdf")


def export_file():
    return SimpleUploadedFile("trich-xuat.xlsx", b"PK fake workbook bytes")


@pytest.fixture
def filed(people):
    return svc.data_request_file(
        actor=people.hn_admin,
        office=office_resolve("01"),
        letter_number="123/BHXH-CNTT",
        letter_date=date(2026, 11, 1),
        letter_file=letter(),
        indicators=INDICATORS,
        purpose="Đánh giá tỷ lệ giao dịch điện tử",
        recipient="Phòng CNTT BHXH Hà Nội",
    )


def test_filing_stores_the_letter_and_structured_indicators(filed):
    assert filed.status == "submitted"
    assert filed.letter_file.read() == b"%PDF-1.4 official letter"
    assert filed.indicators[0] == {
        "indicator": "participants",
        "period_from": "01/2026",
        "period_to": "06/2026",
        "breakdown": "office",
        "filters": "Hà Nội",
    }
    assert OutboxMessage.objects.filter(key=f"data-request-filed-{filed.pk}").exists()


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ([], "ACC-DATA-INDICATOR"),
        ([{**INDICATORS[0], "indicator": "salaries"}], "ACC-DATA-INDICATOR"),
        ([{**INDICATORS[0], "period_to": date(2025, 1, 1)}], "ACC-DATA-PERIOD"),
    ],
)
def test_bad_indicators_are_refused(people, rows, code):
    with pytest.raises(ValidationError) as exc:
        svc.data_request_file(
            actor=people.hn_admin,
            office=office_resolve("01"),
            letter_number="1",
            letter_date=date(2026, 11, 1),
            letter_file=letter(),
            indicators=rows,
            purpose="x",
            recipient="y",
        )
    assert exc.value.error_list[0].code == code
    assert not DataRequest.objects.exists()


def test_letter_must_be_a_pdf_or_image(people):
    with pytest.raises(ValidationError) as exc:
        svc.data_request_file(
            actor=people.hn_admin,
            office=office_resolve("01"),
            letter_number="1",
            letter_date=date(2026, 11, 1),
            letter_file=letter("virus.exe"),
            indicators=INDICATORS,
            purpose="x",
            recipient="y",
        )
    assert exc.value.error_list[0].code == "ACC-DATA-LETTER"


def test_cannot_be_fulfilled_before_approval(filed, people):
    with pytest.raises(ValidationError) as exc:
        svc.data_request_fulfil(actor=people.central_it, request=filed, export_file=export_file())
    assert exc.value.error_list[0].code == "ACC-DATA-NOT-APPROVED"
    filed.refresh_from_db()
    assert filed.status == "submitted" and not filed.export_file


def test_export_cannot_be_downloaded_before_approval_even_if_a_file_is_there(filed, people):
    # A file slipped in by hand (not through the service) is still not given out.
    filed.export_file.save("smuggled.xlsx", export_file(), save=False)
    filed.status = "fulfilled"
    filed.save()
    for who in (people.central_it, people.hn_admin, people.leader):
        with pytest.raises(ValidationError) as exc:
            svc.data_request_download(actor=who, request=filed, which="export")
        assert exc.value.error_list[0].code == "ACC-DATA-NOT-APPROVED"
    assert not AuditEntry.objects.filter(action="data_request.downloaded").exists()


def test_a_rejected_request_is_never_fulfilled(filed, people):
    svc.data_request_reject(actor=people.leader, request=filed, note="Thiếu căn cứ")
    with pytest.raises(ValidationError):
        svc.data_request_fulfil(actor=people.central_it, request=filed, export_file=export_file())


def test_only_a_leader_approves_and_only_central_it_fulfils(filed, people):
    for who in (people.hn_admin, people.central_it):
        with pytest.raises(ValidationError):
            svc.data_request_approve(actor=who, request=filed)
    svc.data_request_approve(actor=people.leader, request=filed, note="Đồng ý")
    with pytest.raises(ValidationError):
        svc.data_request_fulfil(actor=people.leader, request=filed, export_file=export_file())


def test_approve_forward_fulfil_and_download_are_audited(filed, people):
    svc.data_request_approve(actor=people.leader, request=filed)
    filed.refresh_from_db()
    assert filed.status == "forwarded" and filed.approved_by == people.leader
    assert OutboxMessage.objects.get(key=f"data-request-forwarded-{filed.pk}").payload["to"] == [
        "cntt@bhxh.gov.vn"
    ]
    with pytest.raises(ValidationError) as exc:
        svc.data_request_download(actor=people.hn_admin, request=filed, which="export")
    assert exc.value.error_list[0].code == "ACC-DATA-NOT-READY"
    svc.data_request_fulfil(actor=people.central_it, request=filed, export_file=export_file())
    filed.refresh_from_db()
    field = svc.data_request_download(actor=people.hn_admin, request=filed, which="export")
    assert field.read() == b"PK fake workbook bytes"
    actions = list(
        AuditEntry.objects.filter(
            target_type="accounts.datarequest", target_id=str(filed.pk)
        ).values_list("action", flat=True)
    )
    assert actions == [
        "data_request.filed",
        "data_request.approved",
        "data_request.forwarded",
        "data_request.fulfilled",
        "data_request.downloaded",
    ]


def test_other_provinces_cannot_see_or_download(filed, people, client):
    with pytest.raises(PermissionDenied):
        svc.data_request_download(actor=people.th_admin, request=filed, which="letter")
    client.force_login(people.th_admin)
    assert client.get(reverse("accounts:data_request_detail", args=[filed.pk])).status_code == 404
    assert (
        client.get(reverse("accounts:data_request_download", args=[filed.pk, "letter"])).status_code
        == 404
    )
    client.force_login(people.officer)
    assert client.get(reverse("accounts:data_requests")).status_code == 403


def test_pages_file_approve_fulfil_and_download(people, client):
    client.force_login(people.hn_admin)
    response = client.post(
        reverse("accounts:data_request_new"),
        {
            "office": office_resolve("01").pk,
            "letter_number": "77/BHXH",
            "letter_date": "2026-11-02",
            "letter_file": letter(),
            "purpose": "Báo cáo UBND",
            "recipient": "Văn phòng UBND",
            "ind-TOTAL_FORMS": "3",
            "ind-INITIAL_FORMS": "0",
            "ind-MIN_NUM_FORMS": "1",
            "ind-MAX_NUM_FORMS": "1000",
            "ind-0-indicator": "employers",
            "ind-0-period_from": "2026-01-01",
            "ind-0-period_to": "2026-09-30",
            "ind-0-breakdown": "province",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    req = DataRequest.objects.get()
    assert [i["indicator"] for i in req.indicators] == ["employers"]
    # Before approval the export link is refused on the page too.
    refused = client.get(reverse("accounts:data_request_download", args=[req.pk, "export"]))
    assert refused.status_code == 302
    assert (
        client.get(reverse("accounts:data_request_download", args=[req.pk, "letter"])).status_code
        == 200
    )
    client.force_login(people.central_it)
    client.post(
        reverse("accounts:data_request_fulfil", args=[req.pk]), {"export_file": export_file()}
    )
    req.refresh_from_db()
    assert req.status == "submitted"
    client.force_login(people.leader)
    client.post(reverse("accounts:data_request_decide", args=[req.pk, "approve"]))
    client.force_login(people.central_it)
    client.post(
        reverse("accounts:data_request_fulfil", args=[req.pk]), {"export_file": export_file()}
    )
    req.refresh_from_db()
    assert req.status == "fulfilled"
    client.force_login(people.hn_admin)
    download = client.get(reverse("accounts:data_request_download", args=[req.pk, "export"]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"PK fake workbook bytes"
    assert AuditEntry.objects.filter(action="data_request.downloaded").count() == 2
