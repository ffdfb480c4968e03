"""The national consolidated quarterly account report (tổng hợp báo cáo) for central IT,
against a hand-made country of three provinces and two applications: Hà Nội submitted on
time, Hồ Chí Minh late, Thanh Hóa not at all (overdue). Exact figures, the files read
back, national roles only."""

import io
from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts import consolidated, provisioning
from accounts.audit_labels import action_label
from accounts.models import AccountReport, AuditEntry, Office, OfficeLevel
from accounts.selectors import office_resolve
from tests.factories import UserFactory, grant

from .timeutil import vn

pytestmark = pytest.mark.django_db
URL = "/tai-khoan/bao-cao-quy/tong-hop/"
TODAY = vn(date(2030, 4, 20), 9)


def app(code, added=(), changed=()):
    names = {
        "receiving": ("Tiếp nhận hồ sơ", "Receiving"),
        "collection": ("Quản lý thu", "Collection"),
    }
    return {
        "code": code,
        "name_vi": names[code][0],
        "name_en": names[code][1],
        "added": [{"username": u, "name": u.upper()} for u in added],
        "changed": [
            {"username": u, "name": u.upper(), "actions": list(actions)} for u, actions in changed
        ],
    }


def submitted(code, when, applications, *, year=2030, quarter=1):
    return AccountReport.objects.create(
        province=office_resolve(code),
        year=year,
        quarter=quarter,
        figures={"applications": applications},
        submitted_at=when,
    )


def outside_account(people, applications):
    """An outside account (an auditor's), created the only way there is: approved."""
    request = provisioning.outside_request_file(
        actor=people.hn_admin,
        office=office_resolve("01"),
        full_name="Trần Thị Kiểm",
        email="kiem@kiemtoan.example.vn",
        organisation="Kiểm toán Nhà nước",
        application=applications["receiving"],
        reason="Kiểm toán năm 2030",
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    return provisioning.outside_request_approve(actor=people.leader, request=request)


@pytest.fixture
def country(people, applications):
    """Only Hà Nội (01), Thanh Hóa (38) and Hồ Chí Minh (79) are in force in 2030."""
    Office.objects.filter(level=OfficeLevel.PROVINCE, valid_to__isnull=True).exclude(
        code__in=["01", "38", "79"]
    ).update(valid_to=date(2029, 12, 31))
    outside = outside_account(people, applications).username
    assert outside != "tiepnhan"
    submitted(
        "01",
        vn(date(2030, 4, 5), 10),
        [
            app(
                "receiving",
                added=["a.nguyen", outside],
                changed=[
                    ("a.nguyen", ["account.locked"]),
                    ("tiepnhan", ["application.ended", "rights.transferred"]),
                ],
            ),
            app("collection", added=["b.tran"]),
        ],
    )
    submitted(
        "79",
        vn(date(2030, 4, 12), 10),
        [
            app("receiving", added=["tiepnhan"], changed=[("x.pham", ["account.reactivated"])]),
            app("collection", changed=[("y.vo", ["account.locked", "account.reactivated"])]),
        ],
    )
    # Thanh Hóa's report was computed, never submitted: its figures do not count.
    AccountReport.objects.create(
        province=office_resolve("38"),
        year=2030,
        quarter=1,
        figures={"applications": [app("receiving", added=["c.le"])]},
    )
    # Another quarter's report does not count either.
    submitted(
        "38", vn(date(2030, 1, 5), 10), [app("receiving", added=["z.old"])], year=2029, quarter=4
    )
    return people


def counts(c):
    return (c.added, c.locked, c.changed, c.outside)


def test_exact_figures_from_the_submitted_reports(country, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        report = consolidated.national_report(year=2030, quarter=1, today=date(2030, 4, 20))
    assert report.due == date(2030, 4, 10)
    assert [r.province.code for r in report.rows] == ["01", "38", "79"]
    by_code = {r.province.code: r for r in report.rows}
    assert {c: {a: counts(n) for a, n in r.per_app.items()} for c, r in by_code.items()} == {
        "01": {"receiving": (2, 1, 1, 1), "collection": (1, 0, 0, 0)},
        "38": {},
        "79": {"receiving": (1, 0, 1, 0), "collection": (0, 1, 0, 0)},
    }
    assert {a.code: counts(c) for a, c in report.app_totals} == {
        "collection": (1, 1, 0, 0),
        "receiving": (3, 1, 2, 1),
    }
    assert counts(report.total) == (4, 2, 2, 1)
    assert [r.province.code for r in report.overdue] == ["38"]
    assert [r.province.code for r in report.late] == ["79"]
    assert [r.province.code for r in report.submitted] == ["01", "79"]


def test_before_the_due_date_nobody_is_overdue(country):
    report = consolidated.national_report(year=2030, quarter=1, today=date(2030, 4, 8))
    assert report.overdue == []
    assert by_state(report) == {"01": "submitted", "38": "reminder", "79": "submitted_late"}


def by_state(report):
    return {r.province.code: str(r.state) for r in report.rows}


def test_central_it_sees_the_page(country, client):
    with time_machine.travel(TODAY, tick=False):
        client.force_login(country.central_it)
        response = client.get(URL, {"year": 2030, "quarter": 1})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tổng hợp báo cáo tài khoản" in html
    assert 'data-province="38"' in html
    assert response.context["report"].total.added == 4


@pytest.mark.parametrize("fmt", ["", "tai.xlsx", "tai.pdf"])
def test_a_province_admin_is_refused(country, client, fmt):
    client.force_login(country.hn_admin)
    assert client.get(URL + fmt, {"year": 2030, "quarter": 1}).status_code == 403


def test_a_provincial_role_following_reports_is_refused(country, client):
    """Holding the permission in a province is not enough: the national summary is for
    national roles."""
    from accounts.models import Role

    role = Role.objects.get(pk="central_it")
    user = UserFactory()
    membership = grant(user, "it_staff", office_resolve("01"))
    membership.role.group.permissions.add(
        *role.group.permissions.filter(codename="view_account_reports")
    )
    client.force_login(user)
    assert client.get(URL).status_code == 403


def test_the_xlsx_reads_back_and_the_download_is_audited(country, client):
    with time_machine.travel(TODAY, tick=False):
        client.force_login(country.central_it)
        response = client.get(URL + "tai.xlsx", {"year": 2030, "quarter": 1})
    assert response.status_code == 200
    assert "tong-hop-bao-cao-tai-khoan-Q1-2030.xlsx" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    by_province, by_app, overdue = wb.worksheets
    assert by_province.title == "Theo tỉnh"
    assert by_province["A1"].value == "Tổng hợp báo cáo tài khoản quý 1/2030"
    rows = list(by_province.iter_rows(min_row=4, values_only=True))
    assert [r[:3] for r in rows if r[0] == "38"] == [("38", office_resolve("38").name, "Quá hạn")]
    data = {(r[0], r[4]): r[6:10] for r in rows if r[4]}
    assert data == {
        ("01", "collection"): (1, 0, 0, 0),
        ("01", "receiving"): (2, 1, 1, 1),
        ("79", "collection"): (0, 1, 0, 0),
        ("79", "receiving"): (1, 0, 1, 0),
    }
    header = next(by_app.iter_rows(min_row=1, max_row=1, values_only=True))
    assert header[2:] == (
        "Tài khoản cấp mới",
        "Tài khoản bị khóa",
        "Tài khoản thay đổi",
        "Tài khoản bên ngoài",
    )
    totals = list(by_app.iter_rows(min_row=2, values_only=True))
    assert totals == [
        ("collection", "Quản lý thu", 1, 1, 0, 0),
        ("receiving", "Tiếp nhận hồ sơ", 3, 1, 2, 1),
        ("Tổng cộng", None, 4, 2, 2, 1),
    ]
    assert list(overdue.iter_rows(min_row=2, values_only=True)) == [
        ("38", office_resolve("38").name, "Quá hạn")
    ]
    entry = AuditEntry.objects.get(action="report.national_exported")
    assert entry.actor == country.central_it
    assert entry.data == {
        "year": 2030,
        "quarter": 1,
        "format": "xlsx",
        "submitted": 2,
        "overdue": ["38"],
    }
    assert action_label("report.national_exported") != "report.national_exported"


def test_the_pdf_text_reads_back(country, client):
    with time_machine.travel(TODAY, tick=False):
        client.force_login(country.leader)
        response = client.get(URL + "tai.pdf", {"year": 2030, "quarter": 1})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())  # cells one per line
    assert "Tổng hợp báo cáo tài khoản quý 1/2030" in text
    assert "2 trên 3 tỉnh đã nộp" in text
    assert "Tiếp nhận hồ sơ 3 1 2 1" in text  # the national line of the application
    assert "Tổng cộng 4 2 2 1" in text
    assert "Tỉnh quá hạn" in text and office_resolve("38").name in text
    assert AuditEntry.objects.filter(action="report.national_exported", data__format="pdf").exists()


def test_an_unknown_format_is_not_found(country, client):
    client.force_login(country.central_it)
    assert client.get(URL + "tai.csv").status_code == 404


# --- the agency's signature on the PDF (core.agency_signing, key in SoftHSM2) ---------------


def test_without_an_agency_signer_the_pdf_and_the_page_say_unsigned(country, client, settings):
    settings.AGENCY_SIGNING_PKCS11_MODULE = ""
    client.force_login(country.central_it)
    page = client.get(URL, {"year": 2030, "quarter": 1}).content.decode()
    assert "Tệp PDF không có chữ ký số" in page
    response = client.get(URL + "tai.pdf", {"year": 2030, "quarter": 1})
    assert response.status_code == 200
    body = response.content
    footer = PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert "bản KHÔNG KÝ SỐ" in footer
    assert b"/ByteRange" not in body
    entry = AuditEntry.objects.get(action="report.national_exported", data__format="pdf")
    assert entry.data["signed"] is False


def test_with_the_agency_signer_the_pdf_is_signed_pades(country, client, settings):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    from core.agency_signing import coroutine_run
    from tests.agency_hsm import agency_hsm

    hsm = agency_hsm()
    hsm.configure(settings)
    client.force_login(country.central_it)
    assert "được ký số bởi cơ quan BHXH" in client.get(URL).content.decode()
    response = client.get(URL + "tai.pdf", {"year": 2030, "quarter": 1})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    (signature,) = PdfFileReader(io.BytesIO(response.content)).embedded_signatures
    roots = [asn1_x509.Certificate.load(hsm.ca.cert_der)]
    status = coroutine_run(
        async_validate_pdf_signature(signature, ValidationContext(trust_roots=roots))
    )
    assert status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert signature.sig_object["/Reason"] == "Tổng hợp báo cáo tài khoản quý 1/2030"
    footer = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "đã ký số bởi Bảo hiểm xã hội Việt Nam" in footer
    entry = AuditEntry.objects.get(action="report.national_exported", data__format="pdf")
    assert entry.data["signed"] is True


def test_a_wrong_hsm_pin_gives_the_page_back_with_a_coded_message(country, client, settings):
    from tests.agency_hsm import agency_hsm

    agency_hsm().configure(settings, pin="000000")
    client.force_login(country.central_it)
    response = client.get(URL + "tai.pdf", {"year": 2030, "quarter": 1}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("?year=2030&quarter=1")
    html = response.content.decode()
    assert "[AGENCY_SIGN_PIN]" in html and "từ chối mã PIN" in html
    assert not AuditEntry.objects.filter(action="report.national_exported").exists()
