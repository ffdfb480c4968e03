"""Reviewers see what was declared: each form as a table with the official headings, today's
rule checks beside each row, and every file opened in the browser, scoped and audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from django.urls import reverse
from lxml import html

from accounts.models import AuditEntry
from declarations.dossiers import content
from declarations.dossiers.models import DossierFile
from declarations.intake.envelope import d01ts_build
from declarations.intake.models import RegionalMinimumWage
from declarations.intake.pipeline import intake_submit
from tests.declarations.conftest import worker
from tests.factories import (
    EmployerFactory,
    OfficeFactory,
    ProviderFactory,
    UserFactory,
    carry,
    employer_user,
    grant,
    provider_user,
)

TK1 = (
    '<?xml version="1.0" encoding="utf-8"?><TK1-TS><NoiDung><LaoDong><STT>1</STT>'
    "<HoTen>Lê Thị Mới</HoTen><NgaySinh>26/04/1995</NgaySinh><GioiTinh>0</GioiTinh>"
    "<QuocTich>VN</QuocTich><DanToc>01</DanToc><MasoBHXH>7900000002</MasoBHXH>"
    "<Dienthoai_LH>0901234567</Dienthoai_LH><CMND>079095000002</CMND><Mucdong>1500000</Mucdong>"
    "<MaTinhBenhVien>79</MaTinhBenhVien><MaBenhVien>001</MaBenhVien>"
    "<Noidung_Thaydoi>Tăng mới</Noidung_Thaydoi><Email_LH/></LaoDong></NoiDung><Cky/></TK1-TS>"
).encode()
PDF = b"%PDF-1.4 hop dong lao dong"
JPG = b"\xff\xd8\xff\xe0 anh chup CCCD"
XLSX = b"PK\x03\x04 bang luong"


@pytest.fixture
def dossier(signed):
    """A 600 with a D02-LT of two workers, a TK1-TS and three attachments (positions 0–4)."""
    rows = [
        worker(1, TienLuong="6000000", GioiTinh="1"),
        worker(2, TienLuong="8000000", PhuCapCV="500000", GioiTinh="0"),
    ]
    attachments = [
        ("CT-DK", "hop-dong.pdf", "pdf", PDF),
        ("CT-DK", "anh CCCD.jpg", "jpg", JPG),
        ("CT-DK", "bang-luong", "xlsx", XLSX),
    ]
    data = signed(rows, tk1=TK1, extra_files=attachments)
    return intake_submit(data=data, channel="cli").dossier


@pytest.fixture
def member(employer):
    return employer_user(employer)


@pytest.fixture
def officer(employer):
    user = UserFactory()
    grant(user, "receiving_officer", employer.managing_office)
    return user


def page_of(client, dossier, **query):
    response = client.get(reverse("declarations:dossier", args=[dossier.pk]), query)
    assert response.status_code == 200
    return html.fromstring(response.content.decode())


def headings(doc, position):
    return [th.text_content().strip() for th in doc.xpath(f"{_form(position)}//thead//th")]


def rows(doc, position):
    return [
        [td.text_content().strip() for td in tr.xpath("td")]
        for tr in doc.xpath(f"{_form(position)}//tbody/tr")
    ]


def _form(position):
    return f'//section[@data-testid="form-{position}"]'


def file_url(dossier, position):
    return reverse("declarations:dossier_file", args=[dossier.pk, position])


# --- the forms as tables ------------------------------------------------------------------------
def test_a_d02lt_shows_the_official_headings_and_readable_values(client, member, dossier):
    client.force_login(member)
    doc = page_of(client, dossier)
    assert headings(doc, 0) == [
        "STT",
        "Họ và tên",
        "Mã số BHXH",
        "Ngày, tháng, năm sinh",
        "Nam/Nữ",
        "Số CCCD/ĐDCN/Hộ chiếu",
        "Cấp bậc, chức vụ, chức danh nghề",
        "Nơi làm việc",
        "Tiền lương",
        "Phụ cấp chức vụ",  # 0 for the first worker, 500.000 for the second
        "Từ tháng",
        "Phương án",
        "Tỷ lệ đóng",
        "Kết quả kiểm tra",
    ]  # DenThang and Ghichu are empty in every row: no column
    first, second = rows(doc, 0)
    assert first[:10] == [
        "1",
        "Nguyễn Văn 1",
        "7900000001",
        "26/04/1995",
        "Nam",
        "079095000001",
        "Kế toán",
        "TP Hồ Chí Minh",
        "6.000.000",
        "0",
    ]
    assert second[4] == "Nữ" and second[8:10] == ["8.000.000", "500.000"]
    assert first[-1] == second[-1] == "✓"  # received under today's tables: nothing to say
    assert doc.xpath(f'string({_form(0)}//*[@data-testid="row-count"])') == "2 dòng"


def test_the_headings_in_english_when_the_user_chose_english(client, member, dossier):
    client.force_login(member)
    client.post(reverse("set_language"), {"language": "en"})
    doc = page_of(client, dossier)
    assert headings(doc, 0)[:5] == [
        "No.",
        "Full name",
        "Social insurance number",
        "Date of birth",
        "Male/Female",
    ]
    assert rows(doc, 0)[0][4] == "Male"


def test_a_tk1ts_shows_its_own_fields(client, officer, dossier):
    client.force_login(officer)
    doc = page_of(client, dossier)
    assert headings(doc, 1) == [
        "STT",
        "Họ và tên",
        "Mã số BHXH",
        "Ngày, tháng, năm sinh",
        "Nam/Nữ",
        "Quốc tịch",
        "Dân tộc",
        "Số CCCD/ĐDCN/Hộ chiếu",
        "Số điện thoại liên hệ",
        "Mức tiền đóng",
        "Mã tỉnh nơi đăng ký KCB ban đầu",
        "Mã nơi đăng ký KCB ban đầu",
        "Nội dung thay đổi, yêu cầu",
        "Hồ sơ hiện tại",  # staff see each person beside the registry (declarations.people)
        "Kết quả kiểm tra",
    ]
    assert rows(doc, 1)[0][:5] == ["1", "Lê Thị Mới", "7900000002", "26/04/1995", "Nữ"]
    assert rows(doc, 1)[0][9] == "1.500.000"


def test_the_files_are_listed_with_a_link_each(client, member, dossier):
    client.force_login(member)
    doc = page_of(client, dossier)
    links = {a.get("data-testid"): a.get("href") for a in doc.xpath('//*[@data-testid="files"]//a')}
    assert links == {f"file-{n}": file_url(dossier, n) for n in range(5)}
    names = doc.xpath('//*[@data-testid="files"]//tbody/tr/td[2]/text()')
    assert names == ["D02-LT.xml", "TK1-TS.xml", "hop-dong.pdf", "anh CCCD.jpg", "bang-luong"]


def test_rows_the_changed_tables_no_longer_pass_show_their_problems(client, officer, dossier):
    # The zone I minimum wage rises after the dossier was received: the 6.000.000 row fails.
    RegionalMinimumWage.objects.create(zone="I", amount=7_000_000, valid_from=date(2026, 10, 1))
    client.force_login(officer)
    doc = page_of(client, dossier)
    first, second = doc.xpath(f"{_form(0)}//tbody/tr")
    assert first.get("class") == "has-problems"
    problem = first.xpath('.//*[@data-code="ROW_SALARY_BELOW_MINIMUM"]')[0].text_content()
    assert problem.startswith("Tiền lương:") and "7.000.000" in problem
    assert second.get("class") is None and second.xpath("td")[-1].text_content() == "✓"
    summary = doc.xpath(f'{_form(0)}//*[@data-testid="problem-rows"]')[0]
    assert summary.text_content().startswith("1 dòng không đạt")
    assert [(a.text, a.get("href")) for a in summary.xpath("a")] == [
        ("1", "?file=0&page=1#stt-0-1")  # the row, on its page
    ]


def test_the_content_is_shown_even_when_the_checks_cannot_run(client, member, dossier, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("rates table unreadable")

    real = content.procedure_get(dossier.procedure_code)
    monkeypatch.setattr(content, "procedure_get", lambda code: replace(real, rules=broken))
    client.force_login(member)
    doc = page_of(client, dossier)
    assert doc.xpath('//*[@data-testid="checks-failed"]')
    assert rows(doc, 0)[0][1] == "Nguyễn Văn 1"


def test_a_long_list_is_paged_and_counted(client, member, signed):
    dossier = intake_submit(data=signed([worker(n) for n in range(1, 451)]), channel="cli").dossier
    client.force_login(member)
    doc = page_of(client, dossier)
    count = doc.xpath(f'string({_form(0)}//*[@data-testid="row-count"])')
    assert "450 dòng" in count and "1–200" in count
    assert [r[0] for r in rows(doc, 0)] == [str(n) for n in range(1, 201)]
    doc = page_of(client, dossier, file="0", page="3")
    assert [r[0] for r in rows(doc, 0)] == [str(n) for n in range(401, 451)]
    doc = page_of(client, dossier, page="99")  # past the end: the last page
    assert rows(doc, 0)[0][0] == "401"


def test_an_unreadable_file_is_reported_in_vietnamese_not_a_500(client, member, dossier):
    DossierFile.objects.filter(dossier=dossier, position=0).update(content=b"<D02-LT><NoiDung>")
    client.force_login(member)
    doc = page_of(client, dossier)
    message = doc.xpath(f'string({_form(0)}//*[@data-testid="unreadable"])')
    assert "Không đọc được tệp này" in message and "XML_MALFORMED" in message
    assert headings(doc, 1)[1] == "Họ và tên"  # the other forms are still shown


def test_an_unknown_form_is_shown_as_tags_and_texts(client, member, dossier):
    unknown = "<D05-TS><ThongTin><TenDonVi>Công ty A</TenDonVi><SoLaoDong>3</SoLaoDong></ThongTin>"
    DossierFile.objects.filter(dossier=dossier, position=1).update(
        content=(unknown + "<Cky/></D05-TS>").encode()
    )
    client.force_login(member)
    doc = page_of(client, dossier)
    assert headings(doc, 1) == ["Thẻ XML", "Giá trị"]
    assert rows(doc, 1) == [["ThongTin/TenDonVi", "Công ty A"], ["ThongTin/SoLaoDong", "3"]]


# --- the file view ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "position, content_type, disposition",
    [
        (0, "text/plain; charset=utf-8", 'inline; filename="D02-LT.xml"'),
        (2, "application/pdf", 'inline; filename="hop-dong.pdf"'),
        (3, "image/jpeg", 'inline; filename="anh CCCD.jpg"'),
        (
            4,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            'attachment; filename="bang-luong.xlsx"',  # named for its type
        ),
    ],
)
def test_a_file_is_served_with_its_type(
    client, member, dossier, position, content_type, disposition
):
    client.force_login(member)
    response = client.get(file_url(dossier, position))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == dossier.files.get(position=position).data()


@pytest.mark.parametrize("position", [0, 3])
def test_files_shown_in_the_browser_are_sandboxed(client, member, dossier, position):
    client.force_login(member)
    policy = client.get(file_url(dossier, position))["Content-Security-Policy"]
    parts = {p.split()[0]: p.split()[1:] for p in policy.split(";") if p.strip()}
    assert "sandbox" in parts and parts["sandbox"] == []  # nothing allowed back
    assert parts["default-src"] == ["'none'"]


def test_a_pdf_keeps_the_site_policy_without_sandbox(client, member, dossier):
    client.force_login(member)
    policy = client.get(file_url(dossier, 2))["Content-Security-Policy"]
    assert (
        "sandbox" not in policy and "object-src 'none'" in policy and "script-src 'self'" in policy
    )


def test_the_xml_served_is_the_signed_form(client, member, dossier):
    client.force_login(member)
    body = client.get(file_url(dossier, 1)).content
    assert b"<TK1-TS>" in body and b"Signature" in body  # as signed, signature included


def test_a_missing_position_is_404(client, member, dossier):
    client.force_login(member)
    assert client.get(file_url(dossier, 9)).status_code == 404


# --- scope and audit ----------------------------------------------------------------------------
def stranger_employer_user(employer):
    return employer_user(EmployerFactory(unit_code="KHAC01A"))


def officer_of_another_office(employer):
    user = UserFactory()
    grant(user, "receiving_officer", OfficeFactory())
    return user


def provider_not_chosen(employer):
    carry(employer, ProviderFactory(code="VNPT"))
    return provider_user(ProviderFactory(code="BKAV"))


@pytest.mark.parametrize(
    "outsider", [stranger_employer_user, officer_of_another_office, provider_not_chosen]
)
def test_outsiders_get_404_for_the_page_and_every_file(client, dossier, employer, outsider):
    client.force_login(outsider(employer))
    assert client.get(reverse("declarations:dossier", args=[dossier.pk])).status_code == 404
    for position in range(5):
        assert client.get(file_url(dossier, position)).status_code == 404
    assert not AuditEntry.objects.filter(action="dossier.file_viewed").exists()


def test_the_provider_the_employer_chose_may_open_the_files(client, dossier, employer):
    provider = ProviderFactory(code="VNPT")
    carry(employer, provider)
    client.force_login(provider_user(provider))
    assert client.get(file_url(dossier, 2)).status_code == 200


def test_a_staff_view_is_audited_once(client, officer, dossier):
    client.force_login(officer)
    client.get(file_url(dossier, 2))
    entry = AuditEntry.objects.get(action="dossier.file_viewed")
    assert entry.actor == officer
    assert (entry.target_type, entry.target_id) == ("dossiers.dossier", str(dossier.pk))
    assert entry.office_id == dossier.office_id
    assert entry.data["position"] == 2 and entry.data["name"] == "hop-dong.pdf"


def test_the_units_own_views_are_audited_too(client, member, dossier):
    client.force_login(member)
    client.get(file_url(dossier, 0))
    client.get(file_url(dossier, 0))
    assert AuditEntry.objects.filter(action="dossier.file_viewed", actor=member).count() == 2


def test_a_d01ts_shows_the_documents_under_their_official_headings(client, member, signed):
    d01 = d01ts_build(
        [
            {
                "HoTen": "Đỗ Văn Muộn",
                "MasoBHXH": "7900000001",
                "LoaiVanBan": "Hợp đồng lao động",
                "SoHieuVanBan": "15/2026/HĐLĐ",
                "NgayBanHanh": "01/08/2026",
                "CoQuanBanHanh": "Công ty",
            }
        ]
    )
    data = signed([worker(1, TuThang="08/2026")], extra_files=[("D01-TS", "D01.xml", "xml", d01)])
    dossier = intake_submit(data=data, channel="cli").dossier
    client.force_login(member)
    doc = page_of(client, dossier)
    shown = headings(doc, 1)
    for heading in (
        "Tên loại văn bản",
        "Số hiệu văn bản",
        "Ngày ban hành",
        "Cơ quan ban hành văn bản",
    ):
        assert heading in shown
    (row,) = rows(doc, 1)
    assert row[shown.index("Số hiệu văn bản")] == "15/2026/HĐLĐ"
