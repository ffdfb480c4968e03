"""Procedure 604: the unit changes its own data (TK3-TS), signed, decided by the office and
applied on acceptance with its history; drafted in the browser."""

from __future__ import annotations

import base64

import pytest
from django.urls import reverse
from lxml import etree

from accounts.models import AuditEntry
from core.outbox.models import OutboxMessage
from declarations.dossiers.models import Notice
from declarations.dossiers.notices import notice_pdf, notice_people
from declarations.dossiers.workdays import time_limit_for
from declarations.employers.models import EmployerDataChange
from declarations.employers.pki.signing import sign_dossier
from declarations.employers.procedures import procedure_get
from declarations.intake.envelope import envelope_build, tk3ts_build
from declarations.intake.pipeline import intake_submit
from declarations.intake.procedures.p604 import rules_check
from declarations.review.models import PostDispatch
from declarations.review.services import dossier_transition
from tests.factories import EmployerFactory, UserFactory, employer_user

pytestmark = pytest.mark.django_db

# A valid tax code of another company (its root is not the unit's 0101300842).
OTHER_MST = "0100109106"
NEW_ADDRESS = "25 Nguyễn Huệ, Phường Sài Gòn, TP Hồ Chí Minh"


def tk3_envelope(employer, fields: dict) -> bytes:
    return envelope_build(
        employer=employer,
        procedure=procedure_get("604"),
        period="10/2026",
        files=[("TK3-TS", "TK3-TS.xml", "xml", tk3ts_build(fields))],
    )


@pytest.fixture
def signed_604(employer, demo_pki):
    """``signed_604(fields)`` → the signed 604 envelope of ``employer`` carrying a TK3-TS."""

    def make(fields: dict, *, data: bytes | None = None) -> bytes:
        return sign_dossier(
            data or tk3_envelope(employer, fields),
            key_pem=demo_pki.good.key_pem,
            cert_pem=demo_pki.good.cert_pem,
        )

    return make


def check(employer, fields: dict):
    root = etree.fromstring(tk3ts_build(fields))
    return rules_check(procedure=procedure_get("604"), forms={"TK3-TS": [root]}, employer=employer)


def received(signed_604, fields, **kwargs):
    result = intake_submit(data=signed_604(fields), channel="cli", **kwargs)
    assert result.ok, result.errors_as_dicts("en")
    return result.dossier


# --- the procedure and its rules -------------------------------------------------------------
def test_604_is_a_procedure_with_its_form_and_time_limit(reference_data):
    procedure = procedure_get("604")
    assert procedure.name_vi.startswith("Đăng ký, thay đổi thông tin đóng")
    assert [f.code for f in procedure.forms] == ["TK3-TS"]
    assert procedure.on_accept is not None and procedure.results == ("unit_data",)
    assert time_limit_for("604") == 5


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({}, "TK3_NO_CHANGE", None),
        ({"MaSoThue": "0101300843"}, "TK3_MST_FORMAT", "MaSoThue"),
        ({"MaSoThue": "0101300842000"}, "TK3_MST_FORMAT", "MaSoThue"),
        ({"MaSoThue": OTHER_MST}, "TK3_MST_OTHER_UNIT", "MaSoThue"),
        ({"Email": "ketoan@@example"}, "TK3_EMAIL_FORMAT", "Email"),
        ({"DienThoai": "12345"}, "TK3_PHONE_FORMAT", "DienThoai"),
        (
            {"SoTaiKhoan": "12AB3456", "NganHang": "Vietcombank"},
            "TK3_BANK_ACCOUNT_FORMAT",
            "SoTaiKhoan",
        ),
        ({"SoTaiKhoan": "0071000123456"}, "TK3_BANK_NAME_REQUIRED", "NganHang"),
        ({"PhuongThucNhanKetQua": "bồ câu"}, "TK3_DELIVERY", "PhuongThucNhanKetQua"),
        (
            {"PhuongThucNhanKetQua": "Qua bưu điện"},
            "TK3_POSTAL_ADDRESS_REQUIRED",
            "DiaChiNhanKetQua",
        ),
        ({"DiaChi": "x" * 301}, "TK3_TOO_LONG", "DiaChi"),
    ],
)
def test_rules_refuse(employer, fields, code, field):
    problems, _summary = check(employer, fields)
    assert [(p.code, p.location.form, p.location.field) for p in problems] == [
        (code, "TK3-TS", field)
    ]
    if field:
        assert problems[0].location.line  # the cell's XML line


def test_the_units_own_values_are_no_change(employer):
    fields = {"TenDonVi": employer.name, "MaSoThue": "0101300842", "NoiDungThayDoi": "Không đổi"}
    assert [p.code for p in check(employer, fields)[0]] == ["TK3_NO_CHANGE"]


def test_other_company_is_told_to_register_as_a_new_unit(employer):
    (problem,) = check(employer, {"MaSoThue": OTHER_MST})[0]
    assert "0101300842" in problem.text("en") and "new unit" in problem.text("en")
    assert "đơn vị mới" in problem.text("vi")


@pytest.mark.parametrize(
    ("fields", "changes"),
    [
        ({"MaSoThue": "0101300842-001"}, 1),  # a branch of the same company
        ({"DienThoai": "+84 28 3822 1234", "Email": "nhansu@tzh490l.example.vn"}, 2),
        ({"PhuongThucNhanKetQua": "Qua bưu điện", "DiaChiNhanKetQua": NEW_ADDRESS}, 2),
        ({"SoTaiKhoan": "0071 0001 23456", "NganHang": "Vietcombank CN TP HCM"}, 2),
    ],
)
def test_rules_accept_well_formed_changes(employer, fields, changes):
    assert check(employer, fields) == ([], {"changes": changes})


# --- intake, decision, effect ------------------------------------------------------------------
def test_a_signed_604_goes_through_intake(signed_604, employer):
    dossier = received(signed_604, {"DiaChi": NEW_ADDRESS})
    assert (dossier.procedure_code, dossier.status) == ("604", "received")
    assert dossier.deadline is not None  # 5 working days
    assert list(dossier.files.values_list("form_code", flat=True)) == ["TK3-TS"]
    employer.refresh_from_db()
    assert employer.address != NEW_ADDRESS  # nothing changes before the office decides
    # The receipt names no worker: a unit's own data has none.
    from declarations.dossiers.notices import notice_lines

    _title, lines = notice_lines(dossier.notices.get(kind="receipt"))
    assert "Số lao động" not in dict(lines)


def test_intake_refuses_another_companys_tax_code(signed_604):
    result = intake_submit(data=signed_604({"MaSoThue": OTHER_MST}), channel="cli")
    assert [e.code for e in result.errors] == ["TK3_MST_OTHER_UNIT"]
    assert result.errors[0].location.field == "MaSoThue"


def test_acceptance_applies_the_change_keeps_history_and_lists_it(signed_604, employer):
    old_email = employer.contact_email
    fields = {
        "DiaChi": NEW_ADDRESS,
        "SoTaiKhoan": "0071000123456",
        "NganHang": "Vietcombank",
        "Email": "nhansu@tzh490l.example.vn",
        "PhuongThucNhanKetQua": "post",
        "DiaChiNhanKetQua": NEW_ADDRESS,
    }
    dossier = received(signed_604, fields)
    dossier_transition(actor=None, dossier=dossier, to="in_review")
    dossier_transition(actor=None, dossier=dossier, to="accepted")

    employer.refresh_from_db()
    assert (employer.address, employer.bank_account, employer.bank_name) == (
        NEW_ADDRESS,
        "0071000123456",
        "Vietcombank",
    )
    assert (employer.contact_email, employer.result_delivery) == (
        "nhansu@tzh490l.example.vn",
        "post",
    )
    history = {c.field: c for c in EmployerDataChange.objects.filter(employer=employer)}
    assert set(history) == {
        "address",
        "bank_account",
        "bank_name",
        "contact_email",
        "result_delivery",
        "postal_address",
    }
    assert (history["contact_email"].old_value, history["contact_email"].new_value) == (
        old_email,
        "nhansu@tzh490l.example.vn",
    )
    assert {(c.transaction_code, c.dossier_id) for c in history.values()} == {
        (dossier.transaction_code, dossier.pk)
    }
    assert AuditEntry.objects.filter(action="employer.data_changed").count() == 1
    # The decision itself already follows the new data: its e-mail, its delivery by post.
    sent = OutboxMessage.objects.get(key__startswith="notice-KQ-")
    assert sent.payload["to"] == ["nhansu@tzh490l.example.vn"]
    assert PostDispatch.objects.get(dossier=dossier).address == NEW_ADDRESS

    notice = Notice.objects.get(dossier=dossier, kind="accepted")
    rows = {p["field"]: p for p in notice.data["people"]}
    assert rows["address"]["change"]["new"] == NEW_ADDRESS
    assert rows["address"]["plan"] == "604" and rows["address"]["name"] == "Địa chỉ"
    headers, table = notice_people(notice)
    assert headers == ["Thông tin", "Trước thay đổi", "Sau thay đổi"]
    assert ["Phương thức nhận kết quả", "Tại cơ quan BHXH", "Qua bưu điện"] in table
    assert ["Result delivery", "At the office", "By post"] in notice_people(notice, "en")[1]
    assert notice_pdf(notice).startswith(b"%PDF")


def test_the_unit_reads_its_changes_on_the_result_notice_and_its_page(client, signed_604, employer):
    dossier = received(signed_604, {"DiaChi": NEW_ADDRESS})
    dossier_transition(actor=None, dossier=dossier, to="in_review")
    dossier_transition(actor=None, dossier=dossier, to="accepted")
    client.force_login(employer_user(employer))
    notice = Notice.objects.get(dossier=dossier, kind="accepted")
    html = client.get(reverse("declarations:notice", args=[notice.pk])).content.decode()
    assert "Nội dung thay đổi" in html and NEW_ADDRESS in html
    assert "Trước thay đổi" in html
    html = client.get(reverse(URL)).content.decode()
    assert 'data-testid="unit-data-changes"' in html and dossier.transaction_code in html


def test_history_rows_are_never_edited(signed_604, employer):
    dossier = received(signed_604, {"DiaChi": NEW_ADDRESS})
    dossier_transition(actor=None, dossier=dossier, to="in_review")
    dossier_transition(actor=None, dossier=dossier, to="accepted")
    change = EmployerDataChange.objects.get(employer=employer)
    change.new_value = "sửa lại"
    with pytest.raises(ValueError, match="never edited"):
        change.save()


def test_a_rejected_604_changes_nothing(signed_604, employer):
    before = (employer.name, employer.address, employer.contact_email)
    dossier = received(signed_604, {"TenDonVi": "Công ty Khác Tên", "DiaChi": NEW_ADDRESS})
    dossier_transition(actor=None, dossier=dossier, to="in_review")
    dossier_transition(actor=None, dossier=dossier, to="rejected", reasons=["TC04"])
    employer.refresh_from_db()
    assert (employer.name, employer.address, employer.contact_email) == before
    assert not EmployerDataChange.objects.filter(employer=employer).exists()
    assert "people" not in Notice.objects.get(dossier=dossier, kind="rejected").data


def test_people_table_of_600_is_unchanged(employer):
    """The changes' branch is taken only for rows that carry a change."""
    notice = Notice(
        data={"people": [{"stt": 1, "name": "Nguyễn Văn A", "number": "7900000001", "plan": "TM"}]}
    )
    headers, rows = notice_people(notice)
    assert headers[:4] == ["STT", "Họ và tên", "Mã số BHXH", "Phương án"]
    assert rows[0][:4] == ["1", "Nguyễn Văn A", "7900000001", "TM"]


# --- the browser page --------------------------------------------------------------------------
URL = "declarations:unit_data"


@pytest.fixture
def member(employer, client):
    user = employer_user(employer)
    client.force_login(user)
    return user


def form_of(employer, **changes) -> dict:
    data = {
        "name": employer.name,
        "address": employer.address,
        "tax_code": employer.tax_code,
        "bank_account": employer.bank_account,
        "bank_name": employer.bank_name,
        "contact_person": employer.contact_person,
        "contact_phone": employer.contact_phone,
        "contact_email": employer.contact_email,
        "result_delivery": employer.result_delivery,
        "postal_address": employer.postal_address,
        "note": "",
    }
    data.update(changes)
    return data


def test_page_is_prefilled_with_the_units_data(client, member, employer):
    page = client.get(reverse(URL))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{employer.tax_code}"' in html
    assert f'value="{employer.contact_email}"' in html
    assert '<label for="id_bank_account">' in html
    assert reverse("declarations:upload") in html  # where to send it once signed


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"contact_email": "ketoan@@x"}, "contact_email", "không hợp lệ"),
        ({"tax_code": OTHER_MST}, "tax_code", "đơn vị mới"),
        ({"contact_phone": "abc"}, "contact_phone", "Số điện thoại"),
        ({}, None, "không kê khai thay đổi nào"),
    ],
)
def test_page_refuses_bad_input_in_vietnamese_and_downloads_nothing(
    client, member, employer, changes, field, message
):
    answer = client.post(reverse(URL), form_of(employer, **changes))
    assert answer.status_code == 400
    assert "Content-Disposition" not in answer
    form = answer.context["form"]
    assert message in " ".join(form.errors[field or "__all__"])
    if field:
        assert 'aria-invalid="true"' in answer.content.decode()


def test_a_value_the_unit_holds_as_it_is_does_not_stop_a_change(client, member, employer):
    employer.contact_phone = "028.3822.1234 #12"
    employer.save(update_fields=["contact_phone"])
    answer = client.post(reverse(URL), form_of(employer, address=NEW_ADDRESS))
    assert answer.status_code == 200 and answer["Content-Disposition"].startswith("attachment")


def test_page_downloads_an_envelope_with_a_tk3_ts_that_intake_takes(
    client, member, employer, demo_pki
):
    answer = client.post(reverse(URL), form_of(employer, address=NEW_ADDRESS))
    assert answer.status_code == 200
    assert answer["Content-Disposition"] == 'attachment; filename="TZH490L-604-TK3-TS.xml"'
    root = etree.fromstring(answer.content)
    assert root.findtext("NoiDung/ThongTinHoSo/MaThuTuc") == "604"
    (node,) = root.findall("NoiDung/ThongTinHoSo/ToKhais/FileToKhai")
    assert node.findtext("MaToKhai") == "TK3-TS"
    form = etree.fromstring(base64.b64decode(node.findtext("NoiDungFile")))
    unit = form.find("NoiDung/DonVi")
    assert [cell.tag for cell in unit] == ["DiaChi", "NoiDungThayDoi"]  # the change only
    assert unit.findtext("DiaChi") == NEW_ADDRESS
    signed = sign_dossier(
        answer.content, key_pem=demo_pki.good.key_pem, cert_pem=demo_pki.good.cert_pem
    )
    result = intake_submit(data=signed, channel="portal", actor=member)
    assert result.ok, result.errors_as_dicts("en")
    assert result.dossier.procedure_code == "604"


def test_another_units_user_neither_sees_nor_files_for_this_unit(client, signed_604, employer):
    other = EmployerFactory(unit_code="KH0001B", tax_code=OTHER_MST, address="Hà Nội")
    stranger = employer_user(other)
    client.force_login(stranger)
    html = client.get(reverse(URL)).content.decode()
    assert "KH0001B" in html and employer.unit_code not in html
    assert employer.tax_code not in html
    result = intake_submit(
        data=signed_604({"DiaChi": NEW_ADDRESS}), channel="portal", actor=stranger
    )
    assert [e.code for e in result.errors] == ["CHANNEL_FORBIDDEN"]
    employer.refresh_from_db()
    assert employer.address != NEW_ADDRESS


def test_a_user_of_no_unit_is_refused(client, reference_data):
    client.force_login(UserFactory())
    assert client.get(reverse(URL)).status_code == 403
