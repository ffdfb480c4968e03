"""Composing a 600 in the browser: official headings, TK1-TS for new workers without a number,
the .xlsx templates and their import (append or replace, all or nothing), and no download
while a check fails."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.conf import settings
from django.urls import reverse
from lxml import etree, html
from openpyxl import Workbook, load_workbook

from declarations.intake.envelope import D02_FIELDS
from declarations.intake.workbooks import d02lt_template, tk1ts_template
from tests.declarations.conftest import worker
from tests.factories import employer_user

HEADINGS = [
    "STT",
    "Họ và tên",
    "Mã số BHXH",
    "Ngày, tháng, năm sinh",
    "Nam/Nữ",
    "Số CCCD/ĐDCN/Hộ chiếu",
    "Cấp bậc, chức vụ, chức danh nghề",
    "Nơi làm việc",
    "Tiền lương",
    "Phụ cấp chức vụ",
    "Phụ cấp thâm niên vượt khung",
    "Phụ cấp thâm niên nghề",
    "Phụ cấp lương",
    "Các khoản bổ sung",
    "Từ tháng",
    "Đến tháng",
    "Phương án",
    "Tỷ lệ đóng",
    "Ghi chú",
]
HEADING_FIELDS = D02_FIELDS[1:]  # every column but STT
TK1_ORDER = [
    "HoTen",
    "NgaySinh",
    "GioiTinh",
    "QuocTich",
    "DanToc",
    "Diachi_KS",
    "Diachi_NN",
    "Dienthoai_LH",
    "CMND",
    "Email_LH",
    "MaTinhBenhVien",
    "MaBenhVien",
]


@pytest.fixture
def member_client(client, employer):
    client.force_login(employer_user(employer))
    return client


def new_worker(n: int = 1, **overrides) -> dict:
    """A TM row without a social-insurance number (needs a TK1-TS)."""
    return worker(n, MasoBHXH="", **overrides)


def declaration(row: dict, **overrides) -> dict:
    person = {
        "HoTen": row["HoTen"],
        "NgaySinh": row["NgaySinh"],
        "GioiTinh": "1",
        "QuocTich": "Việt Nam",
        "DanToc": "Kinh",
        "Diachi_KS": "Phường Bến Nghé, Quận 1, TP Hồ Chí Minh",
        "Diachi_NN": "12 Lê Lợi, Quận 1, TP Hồ Chí Minh",
        "Dienthoai_LH": "0912345678",
        "CMND": row["CMND"],
        "Email_LH": "nv1@example.vn",
        "MaTinhBenhVien": "79",
        "MaBenhVien": "79024",
        "household": [
            {
                "HoTen": "Trần Thị Bình",
                "MasoBHXH": "",
                "NgaySinh": "01/02/1996",
                "GioiTinh": "0",
                "QuanHe": "Vợ",
                "CMND": "",
            }
        ],
    }
    person.update(overrides)
    return person


def compose(client, action="download", rows=(), people=(), **extra):
    data = {
        "action": action,
        "rows_json": json.dumps(list(rows)),
        "people_json": json.dumps(list(people)),
        "procedure": "600",
        "period": "10/2026",
        **extra,
    }
    return client.post(reverse("declarations:compose"), data)


def envelope_forms(content: bytes) -> dict[str, etree._Element]:
    root = etree.fromstring(content)
    return {
        node.findtext("MaToKhai"): etree.fromstring(base64.b64decode(node.findtext("NoiDungFile")))
        for node in root.findall("NoiDung/ThongTinHoSo/ToKhais/FileToKhai")
    }


def page(response):
    return html.fromstring(response.content.decode())


def errors_of(response) -> dict[str, str]:
    """The page's error table: code → the row's text."""
    rows = page(response).xpath("//*[@data-testid='errors']//tr[@data-code]")
    return {tr.get("data-code"): " ".join(tr.text_content().split()) for tr in rows}


def grid_values(response) -> list[dict]:
    return [
        {c["field"]: c["value"] for c in row["cells"]} for row in response.context["grid"]["rows"]
    ]


def xlsx(sheets: dict[str, list[list]], base: bytes | None = None) -> io.BytesIO:
    """A workbook: ``sheets`` {title: rows}; with ``base`` (a template), rows go under its
    header row on the sheets of those titles."""
    book = load_workbook(io.BytesIO(base)) if base else Workbook()
    if not base:
        book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book[title] if base else book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "danh-sach.xlsx"
    return buffer


def d02_line(row: dict, gender="Nam", plan="TM – Tăng mới") -> list:
    """A template row for ``row`` (STT first, the headings' order)."""
    values = {**row, "GioiTinh": gender, "PA": plan}
    fields = ["HoTen", "MasoBHXH", "NgaySinh", "GioiTinh", "CMND", "ChucVu", "NoiLamViec"]
    fields += ["TienLuong", "PhuCapCV", "PhuCapTNVK", "PhuCapTNNghe", "PhuCapLuong"]
    fields += ["PhuCapBosung", "TuThang", "DenThang", "PA", "TyleDong", "Ghichu"]
    return [1, *(values.get(f, "") for f in fields)]


# --- headings and the grid ---------------------------------------------------------------------
def test_grid_has_the_official_vietnamese_headings(member_client):
    doc = page(member_client.get(reverse("declarations:compose")))
    headings = [th.text_content().strip() for th in doc.xpath("//table[@id='rows']/thead/tr/th")]
    assert headings[: len(HEADINGS)] == HEADINGS
    gender = doc.get_element_by_id("d02-1-GioiTinh")
    assert gender.tag == "select"
    assert [(o.get("value"), o.text) for o in gender.iter("option")][1:] == [
        ("1", "Nam"),
        ("0", "Nữ"),
    ]
    plans = {o.get("value"): o.text for o in doc.get_element_by_id("d02-1-PA").iter("option")}
    assert plans["TM"] == "TM – Tăng mới" and plans["GH"] == "GH – Giảm hẳn"
    assert plans["DC"] == "DC – Điều chỉnh tăng mức lương / Điều chỉnh giảm mức lương"


def test_headings_are_english_through_gettext(member_client):
    member_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    doc = page(member_client.get(reverse("declarations:compose")))
    headings = [th.text_content().strip() for th in doc.xpath("//table[@id='rows']/thead/tr/th")]
    assert headings[1:4] == ["Full name", "Social insurance number", "Date of birth"]
    plans = {o.get("value"): o.text for o in doc.get_element_by_id("d02-1-PA").iter("option")}
    assert plans["TM"] == "TM – New"


def test_the_procedure_decides_the_plan_codes_offered(member_client, employer):
    response = compose(member_client, "check", [worker(1, PA="GH")], procedure="600a")
    plans = {o.get("value") for o in page(response).get_element_by_id("d02-1-PA").iter("option")}
    assert "GH" in plans and "TM" not in plans


def test_every_input_has_a_label(member_client, employer):
    row = new_worker(1)
    response = compose(member_client, "tk1:1", [row])
    doc = page(response)
    controls = doc.xpath(
        "//form[@id='compose']//*[self::input or self::select][not(@type='hidden')]"
        "[not(ancestor::template)]"
    )
    assert len(controls) > 30
    for control in controls:
        labelled = control.xpath("ancestor::label") or doc.xpath(
            f"//label[@for='{control.get('id')}']"
        )
        assert labelled, etree.tostring(control)


def test_the_grid_scrolls_inside_its_own_box(member_client):
    doc = page(member_client.get(reverse("declarations:compose")))
    assert doc.xpath("//div[@class='table-scroll']/table[@id='rows']")


# --- TK1-TS for new workers --------------------------------------------------------------------
def test_download_carries_the_tk1_ts_of_new_workers(member_client, employer):
    row = new_worker(1)
    response = compose(member_client, "download", [row, worker(2)], [declaration(row)])
    assert response.status_code == 200, response.content.decode()[:3000]
    assert response["Content-Disposition"].startswith("attachment")
    forms = envelope_forms(response.content)
    assert set(forms) == {"D02-LT", "TK1-TS"}
    assert etree.fromstring(response.content).findtext("NoiDung/ThongTinHoSo/SoLuongFile") == "2"
    person = forms["TK1-TS"].find("NoiDung/LaoDong")
    assert person.findtext("HoTen") == row["HoTen"]
    assert person.findtext("QuocTich") == "Việt Nam"
    assert person.findtext("MaBenhVien") == "79024"
    member = person.find("ThanhVienHoGiaDinh/ThanhVien")
    assert member.findtext("HoTen") == "Trần Thị Bình" and member.findtext("QuanHe") == "Vợ"
    assert len(forms["D02-LT"].findall("NoiDung/LaoDong")) == 2


def test_the_page_without_its_script_posts_cells(member_client, employer):
    row, person = new_worker(1), declaration(new_worker(1))
    data = {"action": "download", "procedure": "600", "period": "10/2026"}
    data.update({f"cell-{k}": [v] for k, v in row.items()})
    data.update({f"tk1-{k}": [v] for k, v in person.items() if k != "household"})
    data["tk1-key"] = ["p1"]
    data.update({f"hh-{k}": [v] for k, v in person["household"][0].items()})
    data["hh-owner"] = ["p1"]
    response = member_client.post(reverse("declarations:compose"), data)
    assert response.status_code == 200, response.content.decode()[:3000]
    forms = envelope_forms(response.content)
    assert forms["TK1-TS"].findtext("NoiDung/LaoDong/ThanhVienHoGiaDinh/ThanhVien/QuanHe") == "Vợ"


def test_a_new_worker_without_number_or_tk1_is_refused(member_client, employer):
    response = compose(member_client, "download", [new_worker(1)])
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    doc = page(response)
    assert "ROW_TK1_REQUIRED" in errors_of(response)
    cell = doc.get_element_by_id("d02-1-MasoBHXH")
    assert cell.get("aria-invalid") == "true"
    assert cell.get("aria-describedby") == "d02-1-MasoBHXH-error"
    assert "TK1-TS" in doc.get_element_by_id("d02-1-MasoBHXH-error").text_content()
    offers = doc.xpath("//*[@data-testid='tk1-offers']//button[@data-offer]")
    assert [b.get("value") for b in offers] == ["tk1:1"]


def test_the_page_starts_a_tk1_ts_from_the_row(member_client, employer):
    row = new_worker(1)
    response = compose(member_client, "tk1:1", [row])
    person = response.context["grid"]["people"][0]
    values = {c["field"]: c["value"] for c in person["cells"]}
    assert values["HoTen"] == row["HoTen"] and values["CMND"] == row["CMND"]
    assert values["QuocTich"] == ""
    assert not response.context["grid"]["offers"]


def test_tk1_fields_are_checked_before_download(member_client, employer):
    row = new_worker(1)
    person = declaration(row, QuocTich="", Email_LH="không-phải-email", MaTinhBenhVien="7")
    person["household"][0]["QuanHe"] = ""
    response = compose(member_client, "download", [row], [person])
    assert response.status_code == 400
    doc = page(response)
    codes = set(errors_of(response))
    assert codes == {"ROW_REQUIRED", "TK1_EMAIL_FORMAT", "TK1_PROVINCE_FORMAT"}
    for cell in ("tk1-1-QuocTich", "tk1-1-Email_LH", "tk1-1-MaTinhBenhVien", "hh-1-1-QuanHe"):
        assert doc.get_element_by_id(cell).get("aria-describedby") == f"{cell}-error"


def test_live_check_runs_the_tk1_rule_with_both_forms(member_client, employer):
    url = reverse("declarations:compose_check")
    row = new_worker(1)
    data = {"procedure": "600", "period": "10/2026", "rows_json": json.dumps([row])}
    missing = member_client.post(url, data).json()
    assert [(e["code"], e["cell"]) for e in missing["errors"]] == [
        ("ROW_TK1_REQUIRED", "d02-1-MasoBHXH")
    ]
    assert missing["offers"] == [{"n": 1, "name": row["HoTen"]}]
    declared = member_client.post(
        url, {**data, "people_json": json.dumps([declaration(row)])}
    ).json()
    assert declared["errors"] == [] and declared["offers"] == []


# --- no download while a row is wrong ----------------------------------------------------------
def test_download_is_refused_while_a_row_is_wrong(member_client, employer):
    response = compose(member_client, "download", [worker(1), worker(2, MasoBHXH="12")])
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    doc = page(response)
    cell = doc.get_element_by_id("d02-2-MasoBHXH")
    assert cell.get("aria-invalid") == "true"
    assert "12" in doc.get_element_by_id("d02-2-MasoBHXH-error").text_content()
    assert doc.get_element_by_id("d02-1-MasoBHXH").get("aria-invalid") is None
    # The rows come back as typed.
    assert [r["MasoBHXH"] for r in grid_values(response)] == [worker(1)["MasoBHXH"], "12"]


def test_a_trial_send_is_refused_while_a_row_is_wrong(member_client, employer):
    response = compose(member_client, "trial", [worker(1, NgaySinh="31/02/1990")])
    assert response.status_code == 400
    assert page(response).get_element_by_id("d02-1-NgaySinh").get("aria-invalid") == "true"


# --- the .xlsx templates and their import ------------------------------------------------------
def test_templates_download_with_the_official_headings(member_client):
    response = member_client.get(reverse("declarations:compose_template", args=["D02-LT"]))
    assert response.status_code == 200
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book["D02-LT"][1]]
    assert header == HEADINGS
    assert "dd/mm/yyyy" in book["D02-LT"]["D1"].comment.text
    instructions = [c for row in book["Hướng dẫn"].iter_rows(values_only=True) for c in row]
    assert "TM – Tăng mới" in instructions and "GH – Giảm hẳn" in instructions
    tk1 = load_workbook(
        io.BytesIO(
            member_client.get(reverse("declarations:compose_template", args=["TK1-TS"])).content
        )
    )
    assert [c.value for c in tk1["TK1-TS"][1]][:4] == ["STT", "Họ và tên", *HEADINGS[3:5]]
    assert [c.value for c in tk1["Thành viên hộ gia đình"][1]][0] == "STT người kê khai"
    assert member_client.get("/giao-dich/lap/mau/D05-TS.xlsx").status_code == 404


def test_import_reads_the_official_template(member_client, employer):
    row = worker(1)
    file = xlsx(
        {"D02-LT": [d02_line(row), d02_line(worker(2), gender="Nữ", plan="tm")]},
        base=d02lt_template(),
    )
    response = compose(member_client, "import", xlsx=file)
    rows = grid_values(response)
    assert {k: rows[0][k] for k in row} == row
    assert rows[0]["GioiTinh"] == "1" and rows[0]["PA"] == "TM"
    assert rows[1]["GioiTinh"] == "0" and rows[1]["PA"] == "TM"


def test_import_headings_ignore_case_and_spacing_not_accents(member_client, employer):
    good = xlsx(
        {"Sheet": [["  HỌ VÀ\ntên ", "Ngày,tháng, năm sinh", "PHƯƠNG ÁN"], ["A", "", "TM"]]}
    )
    response = compose(member_client, "import", xlsx=good)
    assert grid_values(response)[0]["HoTen"] == "A"
    bad = xlsx({"Sheet": [["Ho va ten", "Họ và tên"], ["A", "A"]]})
    response = compose(member_client, "import", rows=[worker(1)], xlsx=bad)
    assert "IMPORT_UNKNOWN_COLUMN" in errors_of(response)
    assert [r["HoTen"] for r in grid_values(response)] == [worker(1)["HoTen"]]


def test_import_finds_the_header_under_title_rows(member_client, employer):
    titles = [["DANH SÁCH LAO ĐỘNG THAM GIA BHXH, BHYT, BHTN"], ["Đơn vị: TZH490L"], []]
    file = xlsx({"D02-LT": [*titles, HEADINGS, d02_line(worker(2))]})
    response = compose(member_client, "import", xlsx=file)
    assert [r["HoTen"] for r in grid_values(response)] == [worker(2)["HoTen"]]


def test_import_reads_the_tk1_template_with_household_members(member_client, employer):
    row = new_worker(1)
    person = declaration(row)
    line = [1, *(person[f] if f != "GioiTinh" else "Nam" for f in TK1_ORDER)]
    member = person["household"][0]
    file = xlsx(
        {
            "TK1-TS": [line],
            "Thành viên hộ gia đình": [
                [1, member["HoTen"], "", member["NgaySinh"], "Nữ", "Vợ", ""]
            ],
        },
        base=tk1ts_template(),
    )
    response = compose(member_client, "import", rows=[row], xlsx=file)
    people = response.context["grid"]["people"]
    assert len(people) == 1
    values = {c["field"]: c["value"] for c in people[0]["cells"]}
    assert values["QuocTich"] == "Việt Nam" and values["GioiTinh"] == "1"
    household = {c["field"]: c["value"] for c in people[0]["members"][0]["cells"]}
    assert household["QuanHe"] == "Vợ" and household["GioiTinh"] == "0"
    assert not response.context["grid"]["offers"]
    assert grid_values(response)[0]["HoTen"] == row["HoTen"]  # the D02-LT rows stay


def test_import_appends_by_default(member_client, employer):
    file = xlsx({"D02-LT": [d02_line(worker(2))]}, base=d02lt_template())
    response = compose(member_client, "import", rows=[worker(1)], xlsx=file)
    assert [r["HoTen"] for r in grid_values(response)] == [worker(1)["HoTen"], worker(2)["HoTen"]]


def test_import_into_an_untouched_page_leaves_no_blank_row(member_client, employer):
    file = xlsx({"D02-LT": [d02_line(worker(2))]}, base=d02lt_template())
    response = compose(member_client, "import", rows=[{}], xlsx=file)
    assert [r["HoTen"] for r in grid_values(response)] == [worker(2)["HoTen"]]


def test_replacing_asks_for_confirmation(member_client, employer):
    file = xlsx({"D02-LT": [d02_line(worker(2))]}, base=d02lt_template())
    response = compose(member_client, "import", rows=[worker(1)], xlsx=file, import_mode="replace")
    assert "IMPORT_REPLACE_UNCONFIRMED" in errors_of(response)
    assert [r["HoTen"] for r in grid_values(response)] == [worker(1)["HoTen"]]
    file.seek(0)
    response = compose(
        member_client,
        "import",
        rows=[worker(1)],
        xlsx=file,
        import_mode="replace",
        confirm_replace="1",
    )
    assert [r["HoTen"] for r in grid_values(response)] == [worker(2)["HoTen"]]


def test_a_file_with_problems_imports_nothing_and_says_where(member_client, employer):
    file = xlsx(
        {
            "D02-LT": [
                d02_line(worker(2)),
                d02_line(worker(3), gender="Không rõ"),
                d02_line(worker(4), plan="TM – Giảm hẳn"),
            ]
        },
        base=d02lt_template(),
    )
    response = compose(member_client, "import", rows=[worker(1)], xlsx=file)
    assert [r["HoTen"] for r in grid_values(response)] == [worker(1)["HoTen"]]
    problems = errors_of(response)
    assert set(problems) == {"IMPORT_GENDER", "IMPORT_PLAN"}
    assert "dòng 3, cột E (Nam/Nữ)" in problems["IMPORT_GENDER"]
    assert "dòng 4, cột Q (Phương án)" in problems["IMPORT_PLAN"]


def test_a_file_that_is_not_a_workbook_imports_nothing(member_client, employer):
    file = io.BytesIO(b"not a workbook")
    file.name = "rows.xlsx"
    response = compose(member_client, "import", rows=[worker(1)], xlsx=file)
    assert "IMPORT_NOT_XLSX" in errors_of(response)
    assert [r["HoTen"] for r in grid_values(response)] == [worker(1)["HoTen"]]
    response = compose(member_client, "import", rows=[worker(1)])
    assert "IMPORT_NO_FILE" in errors_of(response)
    assert len(grid_values(response)) == 1


def test_a_long_list_renders_its_head_and_keeps_its_tail(member_client, employer):
    rows = [worker(n) for n in range(1, 206)]
    response = compose(member_client, "check", rows)
    shown = len(response.context["grid"]["rows"])
    assert 0 < shown < 205
    tail = page(response).xpath("//input[@name='rows_more']")[0].get("value")
    assert [r["HoTen"] for r in json.loads(tail)] == [r["HoTen"] for r in rows[shown:]]
    # Without its script the page posts the cells it shows and the tail: nothing is lost.
    data = {"action": "download", "procedure": "600", "period": "10/2026", "rows_more": tail}
    data.update({f"cell-{f}": [r.get(f, "") for r in rows[:shown]] for f in HEADING_FIELDS})
    response = member_client.post(reverse("declarations:compose"), data)
    assert response.status_code == 200, response.content.decode()[:3000]
    assert len(envelope_forms(response.content)["D02-LT"].findall("NoiDung/LaoDong")) == 205
