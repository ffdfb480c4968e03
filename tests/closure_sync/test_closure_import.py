"""Closures imported from the collection system's export: check, preview, store once."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import AuditEntry
from closure_sync.imports import services
from closure_sync.models import (
    ClosureImport,
    ClosureOrigin,
    ClosurePeriod,
    ClosureRecord,
    ClosureStatus,
    ImportState,
)
from core.refusals import Refused
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db

HEADER = [
    "MaDonVi", "SoSoBHXH", "MaSoBHXH", "HoTen", "NgaySinh", "LoaiChotSo", "NgayChotSo",
    "TuThang", "DenThang", "TienLuong", "TyleDong",
]  # fmt: skip
MINH = [
    "TZH490L",
    "0101234567",
    "0101234567",
    "Nguyễn Văn Minh",
    "12/04/1988",
    "BHXH",
    "15/01/2025",
]
HOA = ["TZH490L", "0101234568", "", "Trần Thị Hoa", "", "BHTN", "20/02/2025"]
GOOD = [
    [*MINH, "01/2016", "12/2019", "6.200.000", "8"],
    [*MINH, "01/2020", "06/2024", "8.500.000", "8"],
    [*HOA, "03/2018", "08/2024", "7000000", "1"],
]


def _csv(rows, header=HEADER, sep=",") -> bytes:
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def _upload(rows, name="xuat-chot-so.csv", **kw) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _csv(rows, **kw), content_type="text/csv")


def worker():
    """The check and the store are sent to the worker after commit; the test's own
    transaction never commits, so run what was sent on leaving (tasks are eager here)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def closure_import_check(*, actor, office, upload) -> ClosureImport:
    with worker():
        imp = services.closure_import_receive(actor=actor, office=office, upload=upload)
    imp.refresh_from_db()
    return imp


def closure_import_store(*, actor, imp) -> ClosureImport:
    with worker():
        services.closure_import_confirm(actor=actor, imp=imp)
    imp.refresh_from_db()
    return imp


@pytest.fixture
def it_officer(office):
    user = UserFactory(username="cntt_import")
    grant(user, "it_staff", office("0101"))
    return user


def _check(actor, office_obj, rows, **kw) -> ClosureImport:
    return closure_import_check(actor=actor, office=office_obj, upload=_upload(rows, **kw))


def test_a_good_file_is_previewed_without_storing_then_stored(it_officer, office):
    imp = _check(it_officer, office("0101"), GOOD)
    assert (imp.state, imp.lines, imp.new_lines, imp.already_lines, imp.refused_lines) == (
        ImportState.PREVIEWED, 3, 3, 0, 0,
    )  # fmt: skip
    assert imp.new_closures == 2
    assert not ClosureRecord.objects.exists()

    closure_import_store(actor=it_officer, imp=imp)

    minh = ClosureRecord.objects.get(book_number="0101234567")
    assert (minh.status, minh.origin, minh.kind, minh.confirmed_on, minh.source_import_id) == (
        ClosureStatus.CONFIRMED, ClosureOrigin.HISTORY, "bhxh", date(2025, 1, 15), imp.pk,
    )  # fmt: skip
    assert minh.office == office("0101") and minh.birth_date == date(1988, 4, 12)
    assert [(p.from_month, p.to_month, p.salary, p.rate) for p in minh.periods.all()] == [
        (date(2016, 1, 1), date(2019, 12, 1), Decimal("6200000"), Decimal("8.00")),
        (date(2020, 1, 1), date(2024, 6, 1), Decimal("8500000"), Decimal("8.00")),
    ]
    hoa = ClosureRecord.objects.get(book_number="0101234568")
    assert hoa.si_number == "0101234568" and hoa.birth_date is None and hoa.kind == "bhtn"
    # History from the collection system: pushed by the backfill, not by the 2-day sweep.
    assert minh.push_next_at is None
    imp.refresh_from_db()
    assert imp.state == ImportState.STORED and imp.stored_by == it_officer
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"closure.import_checked", "closure.import_stored"} <= actions


def test_a_closure_within_its_two_days_is_due_for_push_at_once(it_officer, office):
    today = timezone.localdate().strftime("%d/%m/%Y")
    row = [
        "TZH490L",
        "0101234599",
        "",
        "Lê Huy",
        "",
        "BHXH",
        today,
        "01/2024",
        "06/2024",
        "9000000",
        "8",
    ]
    imp = _check(it_officer, office("0101"), [row])
    closure_import_store(actor=it_officer, imp=imp)
    record = ClosureRecord.objects.get()
    assert record.push_next_at is not None and record.push_deadline > timezone.now()


BAD = [
    # line 2: good
    [*MINH, "01/2016", "12/2019", "6.200.000", "8"],
    # line 3: overlaps line 2 of the same closure
    [*MINH, "06/2019", "12/2020", "6.200.000", "8"],
    # line 4: a ten-digit number with nine digits, a month 13, a rate of 0
    [
        "TZH490L",
        "010123456",
        "",
        "Phạm Thu",
        "",
        "BHXH",
        "15/01/2025",
        "13/2020",
        "12/2020",
        "5000000",
        "0",
    ],
    # line 5: same closure as line 2 but another name
    [*MINH[:3], "Nguyễn Văn Mình", *MINH[4:], "01/2021", "12/2021", "8500000", "8"],
    # line 6: empty salary, kind unknown
    ["TZH490L", "0101234570", "", "Đỗ An", "", "BHYT", "15/01/2025", "01/2020", "12/2020", "", "8"],
    # line 7: period after the closure date; a salary with cents
    [
        "TZH490L",
        "0101234571",
        "",
        "Vũ Lan",
        "",
        "BHXH",
        "15/01/2025",
        "01/2024",
        "03/2025",
        "5000000.5",
        "8",
    ],
    # line 8: good, then line 9: the closure of line 2 again, after another closure
    [*HOA, "03/2018", "08/2024", "7000000", "1"],
    [*MINH, "01/2022", "12/2022", "8500000", "8"],
]


def test_refused_lines_are_listed_with_line_column_code_and_nothing_is_stored(it_officer, office):
    imp = _check(it_officer, office("0101"), BAD)
    assert imp.state == ImportState.REFUSED
    assert (imp.lines, imp.new_lines, imp.refused_lines) == (8, 2, 6)
    found = {(p["line"], p["column"], p["code"]) for p in imp.problems}
    assert found == {
        (3, "TuThang", "closure_import.overlap"),
        (4, "SoSoBHXH", "closure_import.number"),
        (4, "TuThang", "closure_import.month"),
        (4, "TyleDong", "closure_import.rate"),
        (5, "HoTen", "closure_import.identity_mismatch"),
        (6, "TienLuong", "closure_import.required"),
        (7, "DenThang", "closure_import.period_after_closure"),
        (7, "TienLuong", "closure_import.salary"),
        (9, "", "closure_import.closure_split"),
    }
    with pytest.raises(Refused) as exc:
        closure_import_store(actor=it_officer, imp=imp)
    assert exc.value.code == "closure_import.not_pending"
    assert not ClosureRecord.objects.exists() and not ClosurePeriod.objects.exists()


def test_the_refused_lines_page_speaks_vietnamese(client, it_officer, office):
    imp = _check(it_officer, office("0101"), BAD)
    client.force_login(it_officer)
    page = client.get(reverse("closure_sync:import-detail", args=[imp.pk])).content.decode()
    assert "SoSoBHXH 010123456 phải gồm đúng 10 chữ số." in page
    assert "Giai đoạn trùng với giai đoạn ở dòng 2." in page
    assert "Xác nhận nhập" not in page  # no confirm button on a refused file


def test_the_same_file_twice_stores_once(it_officer, office):
    first = _check(it_officer, office("0101"), GOOD)
    closure_import_store(actor=it_officer, imp=first)
    before = (ClosureRecord.objects.count(), ClosurePeriod.objects.count())

    again = _check(it_officer, office("0101"), GOOD)
    assert (again.new_lines, again.already_lines, again.refused_lines) == (0, 3, 0)
    with pytest.raises(Refused) as exc:
        closure_import_store(actor=it_officer, imp=again)
    assert exc.value.code == "closure_import.already_imported"
    assert (ClosureRecord.objects.count(), ClosurePeriod.objects.count()) == before


def test_lines_already_stored_by_another_file_are_not_stored_again(it_officer, office):
    closure_import_store(actor=it_officer, imp=_check(it_officer, office("0101"), GOOD))
    extra = [
        "TZH490L",
        "0101234580",
        "",
        "Ngô Bảo",
        "",
        "BHXH",
        "10/03/2025",
        "01/2019",
        "12/2024",
        "6000000",
        "8",
    ]
    # Another file (semicolon-separated, another order of the closures) and one new closure.
    other = _check(it_officer, office("0101"), [GOOD[2], GOOD[0], GOOD[1], extra], sep=";")
    assert (other.new_lines, other.already_lines, other.new_closures) == (1, 3, 1)
    closure_import_store(actor=it_officer, imp=other)
    assert ClosureRecord.objects.count() == 3 and ClosurePeriod.objects.count() == 4
    assert list(other.records.values_list("book_number", flat=True)) == ["0101234580"]


def test_a_stored_closure_is_not_changed_by_an_import(it_officer, office):
    closure_import_store(actor=it_officer, imp=_check(it_officer, office("0101"), GOOD))
    changed = [
        [*MINH, "01/2016", "12/2019", "6.300.000", "8"],
        [*MINH, "07/2024", "12/2024", "8500000", "8"],
    ]
    imp = _check(it_officer, office("0101"), changed)
    assert [(p["line"], p["code"]) for p in imp.problems] == [
        (2, "closure_import.period_differs"),
        (3, "closure_import.closure_stored"),
    ]
    assert imp.state == ImportState.REFUSED


def test_the_confirmation_checks_again_and_stores_nothing_on_a_clash(it_officer, office):
    waiting = _check(it_officer, office("0101"), GOOD)
    # Meanwhile another file stores Minh's closure with another salary.
    other = _check(it_officer, office("0101"), [[*MINH, "01/2016", "12/2019", "6.300.000", "8"]])
    closure_import_store(actor=it_officer, imp=other)
    closure_import_store(actor=it_officer, imp=waiting)
    assert (waiting.state, waiting.error) == (ImportState.REFUSED, "closure_import.changed")
    assert ClosureRecord.objects.count() == 1 and ClosurePeriod.objects.count() == 1
    # The page lists the line that now clashes (the rest was rolled back with it).
    assert [(p["line"], p["code"]) for p in waiting.problems] == [
        (2, "closure_import.period_differs"),
        (3, "closure_import.closure_stored"),
    ]


def _xlsx(rows, title_lines=()) -> bytes:
    book = Workbook()
    sheet = book.active
    for title in title_lines:
        sheet.append(title)
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_export_with_typed_cells_reads_as_the_csv(it_officer, office):
    # The spreadsheet's own types: dates, months as dates, numbers (a book number that
    # lost its leading zero).
    rows = [
        ["TZH490L", 101234567, None, "Nguyễn Văn Minh", datetime(1988, 4, 12), "BHXH",
         datetime(2025, 1, 15), datetime(2016, 1, 1), "12/2019", 6200000, 8],
        ["TZH490L", "0101234567", None, "Nguyễn Văn Minh", "12/04/1988", "bhxh",
         "15/01/2025", "01/2020", datetime(2024, 6, 1), "8.500.000", "8,0"],
    ]  # fmt: skip
    upload = SimpleUploadedFile("xuat.xlsx", _xlsx(rows))
    imp = closure_import_check(actor=it_officer, office=office("0101"), upload=upload)
    assert (imp.file_format, imp.new_lines, imp.refused_lines) == ("xlsx", 2, 0), imp.problems
    closure_import_store(actor=it_officer, imp=imp)
    record = ClosureRecord.objects.get()
    assert (record.book_number, record.si_number) == ("0101234567", "0101234567")
    assert list(record.periods.values_list("salary", flat=True)) == [6200000, 8500000]
    # The same closures as CSV: already there.
    again = _check(it_officer, office("0101"), GOOD[:2])
    assert (again.new_lines, again.already_lines) == (0, 2)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("chot-so.xls", b"\xd0\xcf\x11\xe0 old excel", "closure_import.format"),
        ("chot-so.xlsx", b"not a zip", "closure_import.format"),
        ("chot-so.xlsx", b"PK\x03\x04broken", "closure_import.unreadable"),
        ("chot-so.csv", _csv([], header=HEADER[:5]), "closure_import.header"),
        ("chot-so.csv", _csv([]), "closure_import.empty"),
        ("chot-so.csv", _csv(GOOD)[:-20] + b"\xff\xfe\r\n", "closure_import.encoding"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(it_officer, office, name, content, code):
    upload = SimpleUploadedFile(name, content)
    imp = closure_import_check(actor=it_officer, office=office("0101"), upload=upload)
    assert imp.state == ImportState.REFUSED
    assert code in {p["code"] for p in imp.problems}
    assert not ClosureRecord.objects.exists()


def test_a_closure_date_in_the_future_is_refused(it_officer, office):
    tomorrow = (timezone.localdate() + timedelta(days=1)).strftime("%d/%m/%Y")
    row = [
        "TZH490L",
        "0101234599",
        "",
        "Lê Huy",
        "",
        "BHXH",
        tomorrow,
        "01/2020",
        "06/2020",
        "9000000",
        "8",
    ]
    imp = _check(it_officer, office("0101"), [row])
    assert [p["code"] for p in imp.problems] == ["closure_import.closure_future"]


# --- the pages: who may import, where ----------------------------------------------------


def _post(client, office_obj, rows=GOOD):
    with worker():
        return client.post(
            reverse("closure_sync:import"), {"office": office_obj.pk, "file": _upload(rows)}
        )


def test_the_pages_upload_preview_confirm_and_list_the_records(client, it_officer, office):
    client.force_login(it_officer)
    assert client.get(reverse("closure_sync:import")).status_code == 200
    resp = _post(client, office("0101"))
    imp = ClosureImport.objects.get()
    assert resp.status_code == 302 and resp.url == reverse(
        "closure_sync:import-detail", args=[imp.pk]
    )
    preview = client.get(resp.url)
    assert preview.context["imp"].new_lines == 3 and preview.context["may_store"]
    assert not ClosureRecord.objects.exists()
    with worker():
        client.post(reverse("closure_sync:import-store", args=[imp.pk]))
    page = client.get(resp.url).content.decode()
    assert "0101234567" in page and "0101234568" in page
    assert ClosureRecord.objects.count() == 2


@pytest.mark.parametrize("role", ["collection_officer", "receiving_officer", "central_leader"])
def test_only_it_and_closure_staff_import(client, office, role):
    user = UserFactory()
    grant(user, role, None if role == "central_leader" else office("0101"))
    client.force_login(user)
    assert client.get(reverse("closure_sync:import")).status_code == 403
    assert _post(client, office("0101")).status_code == 403
    assert not ClosureImport.objects.exists()


def test_a_closure_operator_imports_for_their_office_only(client, office):
    operator = UserFactory()
    grant(operator, "closure_operator", office("0101"))
    client.force_login(operator)
    resp = _post(client, office("0102"))
    assert resp.status_code == 200 and "office" in resp.context["form"].errors
    assert not ClosureImport.objects.exists()
    assert _post(client, office("0101")).status_code == 302


def test_another_office_s_import_is_out_of_reach(client, it_officer, office):
    other = UserFactory()
    grant(other, "it_staff", office("0102"))
    imp = _check(other, office("0102"), GOOD)
    client.force_login(it_officer)
    assert client.get(reverse("closure_sync:import-detail", args=[imp.pk])).status_code == 404
    assert client.post(reverse("closure_sync:import-store", args=[imp.pk])).status_code == 404
    assert not ClosureRecord.objects.exists()


def test_a_closure_whose_lines_cross_a_batch_is_stored_once(it_officer, office, monkeypatch):
    from closure_sync.imports import checks

    monkeypatch.setattr(checks, "BATCH", 2)
    rows = [
        [*MINH, "01/2016", "12/2017", "6.200.000", "8"],
        [*MINH, "01/2018", "12/2019", "6.500.000", "8"],
        [*MINH, "01/2020", "06/2024", "8.500.000", "8"],
        [*HOA, "03/2018", "08/2024", "7000000", "1"],
    ]
    imp = _check(it_officer, office("0101"), rows)
    assert (imp.new_lines, imp.new_closures) == (4, 2)
    closure_import_store(actor=it_officer, imp=imp)
    minh = ClosureRecord.objects.get(book_number="0101234567")
    assert minh.periods.count() == 3 and ClosureRecord.objects.count() == 2


def test_a_store_that_fails_midway_stores_nothing_and_may_be_confirmed_again(
    it_officer, office, monkeypatch
):
    from closure_sync.imports import checks, store

    monkeypatch.setattr(checks, "BATCH", 2)
    real_write = store.BatchWriter.write
    calls = {"n": 0}

    def write_then_fail(self, lines):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk gone")
        return real_write(self, lines)

    monkeypatch.setattr(store.BatchWriter, "write", write_then_fail)
    imp = _check(it_officer, office("0101"), GOOD)
    with pytest.raises(OSError):
        closure_import_store(actor=it_officer, imp=imp)
    imp.refresh_from_db()
    assert (imp.state, imp.error) == (ImportState.PREVIEWED, "closure_import.store_failed")
    assert not ClosureRecord.objects.exists() and not ClosurePeriod.objects.exists()

    monkeypatch.setattr(store.BatchWriter, "write", real_write)
    closure_import_store(actor=it_officer, imp=imp)
    assert imp.state == ImportState.STORED and ClosurePeriod.objects.count() == 3


def test_a_repeated_store_task_stores_nothing_more(it_officer, office):
    imp = closure_import_store(actor=it_officer, imp=_check(it_officer, office("0101"), GOOD))
    services.closure_import_store(import_id=imp.pk)
    services.closure_import_check(import_id=imp.pk)
    assert ClosurePeriod.objects.count() == 3
    assert AuditEntry.objects.filter(action="closure.import_stored").count() == 1


def test_the_sweep_sends_again_a_check_the_worker_lost(it_officer, office, settings):
    from closure_sync.tasks import closure_push_sweep

    imp = services.closure_import_receive(
        actor=it_officer, office=office("0101"), upload=_upload(GOOD)
    )  # its on-commit message never left (the test's transaction does not commit)
    closure_push_sweep()
    imp.refresh_from_db()
    assert imp.state == ImportState.CHECKING  # not stale yet: maybe still running
    ClosureImport.objects.filter(pk=imp.pk).update(
        queued_at=timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61)
    )
    closure_push_sweep()
    imp.refresh_from_db()
    assert (imp.state, imp.new_lines) == (ImportState.PREVIEWED, 3)


def test_an_imported_closure_is_corrected_from_its_stored_periods(client, it_officer, office):
    from closure_sync.forms import periods_parse

    closure_import_store(actor=it_officer, imp=_check(it_officer, office("0101"), GOOD))
    operator = UserFactory()
    grant(operator, "closure_operator", office("0101"))
    client.force_login(operator)
    minh = ClosureRecord.objects.get(book_number="0101234567")
    page = client.get(reverse("closure_sync:detail", args=[minh.pk]))
    text = page.context["correction_form"].initial["periods"]
    assert text == "01/2016-12/2019 6.200.000 8\n01/2020-06/2024 8.500.000 8"
    assert [(p.from_month, p.to_month, p.salary, p.rate) for p in periods_parse(text)] == [
        (p.from_month, p.to_month, p.salary, p.rate) for p in minh.periods.all()
    ]


def test_an_xlsx_export_may_open_with_title_lines(it_officer, office):
    titles = [["BẢO HIỂM XÃ HỘI VIỆT NAM"], ["DANH SÁCH CHỐT SỔ"], []]
    upload = SimpleUploadedFile("xuat.xlsx", _xlsx([GOOD[2], ["TZH490L"]], titles))
    imp = closure_import_check(actor=it_officer, office=office("0101"), upload=upload)
    assert (imp.lines, imp.new_lines, imp.refused_lines) == (2, 1, 1)
    # Line numbers are the sheet's own: the header is line 4.
    assert {p["line"] for p in imp.problems} == {6}


def test_the_admin_shows_imports_read_only(admin_client, it_officer, office):
    imp = _check(it_officer, office("0101"), GOOD)
    assert (
        admin_client.get(reverse("admin:closure_sync_closureimport_changelist")).status_code == 200
    )
    page = admin_client.get(reverse("admin:closure_sync_closureimport_change", args=[imp.pk]))
    assert page.status_code == 200 and "xuat-chot-so.csv" in page.content.decode()
