"""Pages: upload, history with filters, notices (HTML + PDF), compose (import, download,
live check), registration, approval; every lookup scoped, refusals tested."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import Workbook

from declarations.dossiers.models import Dossier
from declarations.employers.models import Registration
from declarations.intake.pipeline import intake_submit
from tests.declarations.conftest import MST, signed_04, worker
from tests.factories import OfficeFactory, UserFactory, employer_user, grant


@pytest.fixture
def member(employer):
    return employer_user(employer)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def test_upload_signed_file_gives_receipt(member_client, signed):
    data = signed()
    response = member_client.post(
        reverse("declarations:upload"), {"file": io.BytesIO(data)}, follow=True
    )
    dossier = Dossier.objects.get()
    assert dossier.channel == "portal"
    assert dossier.transaction_code in response.content.decode()


def test_the_upload_page_says_what_to_send_and_each_procedures_forms(member_client):
    from lxml import html

    page = html.fromstring(member_client.get(reverse("declarations:upload")).content.decode())
    (help_,) = page.xpath('//section[@data-testid="upload-help"]')
    text = help_.text_content()
    assert "Một tệp XML" in text and "chứng thư số" in text and "Tối đa 7 MB" in text
    # Where to sign an unsigned dossier (in the portal) and where to compose one.
    assert help_.xpath(".//a/@href") == [
        reverse("declarations:compose"),
        reverse("declarations:signing_upload"),
    ]
    rows = {
        tr.xpath("td[1]/code/text()")[0]: [td.text_content() for td in tr.xpath("td")]
        for tr in help_.xpath(".//tbody/tr")
    }
    assert rows["600"][1] == "D02-LT" and "TK1-TS" in rows["600"][2] and "D01-TS" in rows["600"][2]
    assert rows["604"][1] == "TK3-TS"


def test_upload_shows_the_trusted_time_the_claim_and_its_warning(member_client, signed):
    from datetime import UTC, datetime

    data = signed(signing_time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    response = member_client.post(
        reverse("declarations:upload"), {"file": io.BytesIO(data)}, follow=True
    )
    page = response.content.decode()
    assert 'data-testid="judged-at"' in page and "thời điểm tiếp nhận" in page
    assert 'data-testid="claimed-time"' in page and "02/01/2026 10:04" in page
    assert "lệch xa thời điểm được tin cậy" in page  # the warning, in Vietnamese
    receipt = Dossier.objects.get().notices.get(kind="receipt")
    notice = member_client.get(reverse("declarations:notice", args=[receipt.pk])).content.decode()
    assert "Thời điểm ký do người ký tự khai" in notice and "Cảnh báo" in notice


def test_upload_refusal_lists_every_error(member_client, signed):
    data = signed([worker(1, MasoBHXH="1"), worker(2, CMND="2")])
    response = member_client.post(reverse("declarations:upload"), {"file": io.BytesIO(data)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "ROW_BHXH_FORMAT" in page and "ROW_CCCD_FORMAT" in page
    assert not Dossier.objects.exists()


def test_history_filters_and_scope(member_client, signed, employer, member):
    a = intake_submit(data=signed([worker(1)]), channel="cli").dossier
    b = intake_submit(
        data=signed([worker(2, PA="GH", TyleDong="")], procedure="600a"), channel="cli"
    ).dossier
    url = reverse("declarations:history")
    page = member_client.get(url).content.decode()
    assert a.transaction_code in page and b.transaction_code in page
    page = member_client.get(url, {"procedure": "600a"}).content.decode()
    assert a.transaction_code not in page and b.transaction_code in page
    page = member_client.get(url, {"q": a.transaction_code}).content.decode()
    assert a.transaction_code in page and b.transaction_code not in page


def test_other_units_cannot_see_dossier_or_notice(client, signed, reference_data):
    from tests.factories import EmployerFactory

    dossier = intake_submit(data=signed(), channel="cli").dossier
    stranger = employer_user(EmployerFactory(unit_code="OTHER1A"))
    client.force_login(stranger)
    assert client.get(reverse("declarations:dossier", args=[dossier.pk])).status_code == 404
    notice = dossier.notices.get()
    assert client.get(reverse("declarations:notice", args=[notice.pk])).status_code == 404
    assert client.get(reverse("declarations:notice_pdf", args=[notice.pk])).status_code == 404
    assert (
        dossier.transaction_code not in client.get(reverse("declarations:history")).content.decode()
    )


def test_notice_html_and_pdf(member_client, signed):
    dossier = intake_submit(data=signed(), channel="cli").dossier
    notice = dossier.notices.get()
    html = member_client.get(reverse("declarations:notice", args=[notice.pk])).content.decode()
    assert dossier.transaction_code in html and "THÔNG BÁO TIẾP NHẬN" in html
    pdf = member_client.get(reverse("declarations:notice_pdf", args=[notice.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert 'data-testid="notice-translated"' not in html


def test_notice_on_screen_in_english_when_chosen(member_client, signed):
    dossier = intake_submit(data=signed(), channel="cli").dossier
    notice = dossier.notices.get()
    member_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = member_client.get(reverse("declarations:notice", args=[notice.pk])).content.decode()
    assert "NOTICE OF RECEIPT OF AN ELECTRONIC DOSSIER" in html
    assert "Transaction code" in html and dossier.transaction_code in html
    assert "THÔNG BÁO TIẾP NHẬN" not in html and "Mã giao dịch" not in html
    assert 'data-testid="notice-translated"' in html


def test_office_staff_see_their_offices_dossiers_only(client, signed, employer):
    dossier = intake_submit(data=signed(), channel="cli").dossier
    ours, theirs = UserFactory(), UserFactory()
    grant(ours, "receiving_officer", employer.managing_office)
    grant(theirs, "receiving_officer", OfficeFactory())
    client.force_login(ours)
    assert client.get(reverse("declarations:dossier", args=[dossier.pk])).status_code == 200
    client.force_login(theirs)
    assert client.get(reverse("declarations:dossier", args=[dossier.pk])).status_code == 404


def test_compose_download_import_and_live_check(member_client, employer):
    rows = [worker(1)]
    response = member_client.post(
        reverse("declarations:compose"),
        {
            "action": "download",
            "rows_json": json.dumps(rows),
            "procedure": "600",
            "period": "10/2026",
        },
    )
    assert response["Content-Disposition"].endswith('.xml"')
    assert b"<Hoso>" in response.content and b"CKy_Dvi" in response.content
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["HoTen", "MasoBHXH", "NgaySinh", "CMND", "TienLuong", "TuThang", "PA", "TyleDong"]
    )
    sheet.append(
        ["Lê Thị Hoa", "7900000001", "01/02/1990", "079090000001", 7000000, "10/2026", "TM", 32]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "rows.xlsx"
    page = member_client.post(reverse("declarations:compose"), {"action": "import", "xlsx": buffer})
    assert page.context["grid"]["rows"][0]["cells"][0]["value"] == "Lê Thị Hoa"
    check = member_client.post(
        reverse("declarations:compose_check"),
        {
            "rows_json": json.dumps([worker(1, MasoBHXH="12")]),
            "procedure": "600",
            "period": "10/2026",
        },
    ).json()
    assert [e["code"] for e in check["errors"]] == ["ROW_BHXH_FORMAT"]


def test_compose_pages_refuse_staff_without_a_unit(client, reference_data):
    staff = UserFactory()
    grant(staff, "receiving_officer", OfficeFactory())
    client.force_login(staff)
    assert client.get(reverse("declarations:compose")).status_code == 403
    assert client.get(reverse("declarations:upload")).status_code == 403


def test_registration_page_and_approval(client, reference_data, trust_dir, demo_pki):
    from tests.factories import EmployerFactory

    unit = EmployerFactory(unit_code="DV0099B", tax_code=MST)
    cert = io.BytesIO(demo_pki.good.cert_pem)
    cert.name = "cert.pem"
    proof = io.BytesIO(signed_04(unit, demo_pki.good))
    proof.name = "04.xml"
    response = client.post(
        reverse("declarations:register"),
        {
            "unit_code": "DV0099B",
            "tax_code": MST,
            "unit_name": unit.name,
            "address": "1 Lê Lợi",
            "email": "kt@example.vn",
            "phone": "0281234567",
            "procedures": ["600", "600a"],
            "result_delivery": "office",
            "certificate": cert,
            "signed_form": proof,
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    registration = Registration.objects.get()
    outsider = UserFactory()
    grant(outsider, "collection_officer", OfficeFactory())
    client.force_login(outsider)
    url = reverse("declarations:registration_decide", args=[registration.pk])
    assert client.post(url, {"decision": "approve"}).status_code == 404
    officer = UserFactory()
    grant(officer, "collection_officer", unit.managing_office)
    client.force_login(officer)
    page = client.post(url, {"decision": "approve"}).content.decode()
    assert "dv0099b" in page


def test_registration_refuses_bad_certificate_at_once(client, reference_data, trust_dir, demo_pki):
    from tests.factories import EmployerFactory

    EmployerFactory(unit_code="DV0098B", tax_code=MST)
    cert = io.BytesIO(demo_pki.revoked.cert_pem)
    cert.name = "cert.pem"
    page = client.post(
        reverse("declarations:register"),
        {
            "unit_code": "DV0098B",
            "tax_code": MST,
            "unit_name": "X",
            "address": "1 Lê Lợi",
            "email": "kt@example.vn",
            "phone": "0281234567",
            "procedures": ["600"],
            "result_delivery": "office",
            "certificate": cert,
        },
    ).content.decode()
    assert "CERT_REVOKED" in page and not Registration.objects.exists()
