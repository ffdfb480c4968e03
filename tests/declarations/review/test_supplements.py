"""Supplements (hồ sơ bổ sung): the office asks, the unit answers with a signed supplement
through the same intake, the original moves to ``supplemented`` with its clock running
again, and the reviewer sees what the supplement changed. Refusals write nothing."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from core.outbox.models import OutboxMessage
from core.refusals import Refused
from declarations.dossiers import events, supplements
from declarations.dossiers.models import Dossier, DossierStatus, Notice
from declarations.dossiers.workdays import WorkingCalendar
from declarations.intake.pipeline import intake_submit
from declarations.review.selectors import QueueFilters, period_report, receiving_queue
from declarations.review.services import dossier_assign, dossier_transition
from declarations.review.supplements import rows_compare
from tests.declarations.conftest import dossier_xml, worker
from tests.declarations.review_world import dossier_make
from tests.factories import EmployerFactory, UserFactory, employer_user, grant

BEFORE = [worker(1), worker(2)]
# Worker 1's salary corrected, worker 2 taken out, worker 3 added.
AFTER = [worker(1, TienLuong="6500000"), worker(3)]


@pytest.fixture
def officer(employer):
    user = UserFactory(full_name="Cán bộ Tiếp nhận")
    grant(user, "receiving_officer", employer.managing_office)
    return user


@pytest.fixture
def member(employer):
    return employer_user(employer)


@pytest.fixture
def published():
    seen = []

    def listener(event, *, dossier, notice=None, data=None):
        seen.append((event, dossier.transaction_code, dict(data or {})))

    events.subscribe(listener)
    yield seen
    events.unsubscribe(listener)


def awaiting_make(signed, member, officer, rows=None):
    """A dossier received through intake, then a supplement requested (BS01, BS03)."""
    original = intake_submit(data=signed(rows or BEFORE), channel="portal", actor=member).dossier
    dossier_transition(actor=officer, dossier=original, to="in_review")
    return dossier_transition(
        actor=officer,
        dossier=original,
        to="supplement_requested",
        reasons=["BS01", "BS03"],
        note="Bổ sung TK1-TS và sửa mức lương",
    )


@pytest.fixture
def awaiting(signed, member, officer):
    return awaiting_make(signed, member, officer)


def upload(client, code, data):
    url = reverse("declarations:upload") + f"?bo-sung={code}"
    return client.post(url, {"file": io.BytesIO(data)})


def at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)))


# --- the whole loop ---------------------------------------------------------------------------
def test_the_whole_loop_through_the_browser(client, signed, member, officer, published):
    # Times within the demo certificates' and CRL's validity: from next Monday on.
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    calendar = WorkingCalendar.load()
    with time_machine.travel(at(monday, 9), tick=False):
        original = intake_submit(data=signed(BEFORE), channel="portal", actor=member).dossier
    first_deadline = original.deadline
    assert first_deadline is not None

    asked_on = monday + timedelta(days=1)
    with time_machine.travel(at(asked_on, 10), tick=False):
        dossier_transition(actor=officer, dossier=original, to="in_review")
        original = dossier_transition(
            actor=officer, dossier=original, to="supplement_requested", reasons=["BS01", "BS03"]
        )
    assert original.deadline is None  # the clock is stopped
    assert original.pauses.get().resumed_at is None

    client.force_login(member)
    history = client.get(reverse("declarations:history")).content.decode()
    assert 'data-testid="supplement-request"' in history
    assert "BS03</code> — Mức lương, phụ cấp kê khai chưa đúng, đề nghị điều chỉnh" in history
    answer = f"?bo-sung={original.transaction_code}"
    assert answer in history and "Nộp hồ sơ bổ sung" in history
    page = client.get(reverse("declarations:dossier", args=[original.pk])).content.decode()
    assert "BS01</code> — Thiếu tờ khai TK1-TS của người lao động" in page
    assert 'data-testid="answer-supplement"' in page and answer in page
    form = client.get(reverse("declarations:upload") + answer).content.decode()
    assert original.transaction_code in form and "BS03" in form

    arrived_on = monday + timedelta(days=4)
    with time_machine.travel(at(arrived_on, 11), tick=False):
        client.force_login(member)  # days later: a new session
        response = upload(client, original.transaction_code, signed(AFTER))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("declarations:dossier", args=[original.pk])

    supplement = Dossier.objects.get(supplement_of=original)
    assert supplement.status == DossierStatus.SUPPLEMENT and supplement.deadline is None
    assert supplement.channel == "portal" and supplement.certificate is not None
    receipt = supplement.notices.get()  # a receipt of its own
    assert receipt.kind == "receipt"
    with time_machine.travel(at(arrived_on, 11), tick=False):
        notice = client.get(reverse("declarations:notice", args=[receipt.pk])).content.decode()
    assert "Bổ sung cho hồ sơ" in notice and original.transaction_code in notice
    original.refresh_from_db()
    assert original.status == DossierStatus.SUPPLEMENTED
    assert original.pauses.get().resumed_at is not None
    # The clock runs again, the deadline pushed by the working days it stood still.
    paused = calendar.working_days_between(asked_on, calendar.effective_day(at(arrived_on, 11)))
    assert paused >= 1
    assert original.deadline == calendar.add_working_days(first_deadline, paused)
    assert original.deadline > first_deadline

    entry = AuditEntry.objects.get(action="dossier.status_changed", data__to="supplemented")
    assert entry.target_id == str(original.pk) and entry.actor == member
    assert entry.data["from"] == "supplement_requested"
    received = AuditEntry.objects.get(action="dossier.received", target_id=str(supplement.pk))
    assert received.data["supplement_of"] == original.transaction_code
    assert ("receipt.issued", supplement.transaction_code, {}) in published
    assert (
        "dossier.status_changed",
        original.transaction_code,
        {"from": "supplement_requested", "to": "supplemented"},
    ) in published
    mail = OutboxMessage.objects.get(key=f"receipt-{supplement.transaction_code}")
    assert "hồ sơ bổ sung" in mail.payload["subject"]

    # Not a dossier to decide: only the original is in the office's queue.
    queue = receiving_queue(user=officer, filters=QueueFilters())
    assert list(queue.values_list("pk", flat=True)) == [original.pk]

    # The reviewer sees the supplement and what it changed in the D02-LT list.
    client.force_login(officer)
    for url in (
        f"/quan-ly/tiep-nhan/{original.pk}/",
        reverse("declarations:dossier", args=[original.pk]),
    ):
        page = client.get(url).content.decode()
        assert f'data-code="{supplement.transaction_code}"' in page, url
        assert 'data-testid="rows-added"' in page and "Nguyễn Văn 3" in page
        assert 'data-testid="rows-removed"' in page and "Nguyễn Văn 2" in page
        assert 'data-field="TienLuong"' in page and "6500000" in page
        assert "D02-LT.xml" in page
        assert 'data-testid="answer-supplement"' not in page
    own = client.get(reverse("declarations:dossier", args=[supplement.pk])).content.decode()
    assert 'data-testid="supplement-of"' in own and original.transaction_code in own


def test_a_second_request_is_answered_by_a_second_supplement(
    client, signed, member, officer, awaiting
):
    client.force_login(member)
    assert upload(client, awaiting.transaction_code, signed(AFTER)).status_code == 302
    dossier_transition(actor=officer, dossier=awaiting, to="in_review")
    dossier_transition(actor=officer, dossier=awaiting, to="supplement_requested", reasons=["BS02"])
    later = signed([worker(1, TienLuong="7000000"), worker(2), worker(3)])
    assert upload(client, awaiting.transaction_code, later).status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == "supplemented" and awaiting.supplements.count() == 2
    assert [p.resumed_at is not None for p in awaiting.pauses.all()] == [True, True]


# --- refusals: nothing written ----------------------------------------------------------------
def _nothing_written(original, dossiers: int, status="supplement_requested"):
    original.refresh_from_db()
    assert original.status == status
    assert Dossier.objects.count() == dossiers
    assert not Dossier.objects.filter(supplement_of=original).exists()
    assert not AuditEntry.objects.filter(data__to="supplemented").exists()


def test_a_dossier_not_awaiting_a_supplement_is_refused(signed, member, officer):
    original = intake_submit(data=signed(BEFORE), channel="portal", actor=member).dossier
    dossier_transition(actor=officer, dossier=original, to="in_review")
    result = intake_submit(
        data=signed(AFTER), channel="portal", actor=member, supplement_of=original.transaction_code
    )
    assert [e.code for e in result.errors] == ["SUPPLEMENT_NOT_AWAITED"]
    assert "Đang xử lý" in result.errors[0].text()  # the status, in the reader's language
    _nothing_written(original, 1, status="in_review")


def test_another_unit_s_dossier_is_refused(signed, member, employer):
    other = EmployerFactory(unit_code="DV9999Z", managing_office=employer.managing_office)
    theirs = dossier_make(other, status="supplement_requested")
    result = intake_submit(
        data=signed(AFTER), channel="portal", actor=member, supplement_of=theirs.transaction_code
    )
    assert [e.code for e in result.errors] == ["SUPPLEMENT_OTHER_UNIT"]
    _nothing_written(theirs, 1)


def test_a_supplement_for_another_procedure_is_refused(signed, member, officer):
    decrease = [worker(1, PA="GH", TienLuong="", TyleDong="")]
    original = awaiting_make(lambda rows: signed(rows, procedure="600a"), member, officer, decrease)
    result = intake_submit(
        data=signed(AFTER), channel="portal", actor=member, supplement_of=original.transaction_code
    )
    assert [e.code for e in result.errors] == ["SUPPLEMENT_OTHER_PROCEDURE"]
    assert "600a" in result.errors[0].text()
    _nothing_written(original, 1)


def test_an_unsigned_supplement_is_refused(member, employer, awaiting):
    unsigned = dossier_xml(employer, AFTER)
    result = intake_submit(
        data=unsigned, channel="portal", actor=member, supplement_of=awaiting.transaction_code
    )
    assert [e.code for e in result.errors] == ["SIG_MISSING"]
    trial = intake_submit(
        data=unsigned,
        channel="portal",
        actor=member,
        trial_secret="mat-khau-dung-thu",
        supplement_of=awaiting.transaction_code,
    )
    assert [e.code for e in trial.errors] == ["SUPPLEMENT_UNSIGNED"]
    _nothing_written(awaiting, 1)


def test_a_supplement_is_checked_like_any_dossier(signed, member, awaiting):
    bad = signed([worker(1, MasoBHXH="12AB")])
    result = intake_submit(
        data=bad, channel="portal", actor=member, supplement_of=awaiting.transaction_code
    )
    assert "ROW_BHXH_FORMAT" in [e.code for e in result.errors]
    _nothing_written(awaiting, 1)


def test_an_unknown_transaction_code_is_refused(signed, member, awaiting):
    result = intake_submit(
        data=signed(AFTER), channel="portal", actor=member, supplement_of="20260101-NOSUCH"
    )
    assert [e.code for e in result.errors] == ["SUPPLEMENT_ORIGINAL_UNKNOWN"]
    _nothing_written(awaiting, 1)


def test_the_original_s_own_bytes_are_not_a_supplement(signed, member, officer):
    data = signed(BEFORE)
    original = intake_submit(data=data, channel="portal", actor=member).dossier
    dossier_transition(actor=officer, dossier=original, to="in_review")
    dossier_transition(actor=officer, dossier=original, to="supplement_requested", reasons=["BS05"])
    result = intake_submit(
        data=data, channel="portal", actor=member, supplement_of=original.transaction_code
    )
    assert [e.code for e in result.errors] == ["SUPPLEMENT_DUPLICATE"]
    _nothing_written(original, 1)


def test_the_same_supplement_sent_twice_answers_its_first_receipt(signed, member, awaiting):
    data = signed(AFTER)
    code = awaiting.transaction_code
    first = intake_submit(data=data, channel="portal", actor=member, supplement_of=code)
    again = intake_submit(data=data, channel="portal", actor=member, supplement_of=code)
    assert first.ok and again.duplicate and again.dossier == first.dossier
    assert AuditEntry.objects.filter(data__to="supplemented").count() == 1


def test_no_partial_write_when_the_original_cannot_move_on(
    signed, member, awaiting, monkeypatch, published
):
    # The original's move is refused inside the write (a decision came first, say): the
    # supplement, its files, receipt, audit entry and e-mail go with it.
    def refuse(*, original, supplement, actor):
        assert Dossier.objects.filter(pk=supplement.pk).exists()  # written, then undone
        raise Refused("REVIEW_TRANSITION_REFUSED", frm="—", to="—")

    monkeypatch.setattr(supplements, "_ARRIVAL", [refuse])
    result = intake_submit(
        data=signed(AFTER), channel="portal", actor=member, supplement_of=awaiting.transaction_code
    )
    assert [e.code for e in result.errors] == ["REVIEW_TRANSITION_REFUSED"]
    _nothing_written(awaiting, 1)
    assert Notice.objects.filter(kind="receipt").count() == 1  # the original's only
    assert AuditEntry.objects.filter(action="dossier.received").count() == 1
    assert not OutboxMessage.objects.filter(payload__subject__contains="bổ sung").exists()


# --- scoping ------------------------------------------------------------------------------------
def test_the_upload_page_finds_only_the_unit_s_own_dossiers(client, member, employer):
    other = EmployerFactory(unit_code="DV9998Z", managing_office=employer.managing_office)
    theirs = dossier_make(other, status="supplement_requested")
    client.force_login(member)
    url = reverse("declarations:upload") + f"?bo-sung={theirs.transaction_code}"
    assert client.get(url).status_code == 404
    assert client.post(url, {"file": io.BytesIO(b"<Hoso/>")}).status_code == 404
    assert not Dossier.objects.filter(supplement_of=theirs).exists()


def test_another_unit_s_user_sees_neither_the_request_nor_the_answer(client, awaiting):
    other = EmployerFactory(unit_code="DV9997Z")
    client.force_login(employer_user(other))
    assert client.get(reverse("declarations:dossier", args=[awaiting.pk])).status_code == 404
    history = client.get(reverse("declarations:history")).content.decode()
    assert awaiting.transaction_code not in history and "BS03" not in history


def test_staff_see_the_request_without_the_answer_action(client, officer, awaiting):
    client.force_login(officer)
    page = client.get(reverse("declarations:dossier", args=[awaiting.pk])).content.decode()
    assert 'data-testid="supplement-request"' in page and "BS03" in page
    assert 'data-testid="answer-supplement"' not in page


def test_a_supplement_is_neither_assigned_nor_counted_as_a_new_dossier(
    signed, member, officer, awaiting
):
    code = awaiting.transaction_code
    supplement = intake_submit(
        data=signed(AFTER), channel="portal", actor=member, supplement_of=code
    ).dossier
    with pytest.raises(Refused):
        dossier_assign(actor=officer, dossier=supplement, officer=officer)
    for to in ("in_review", "accepted", "rejected"):
        with pytest.raises(Refused):
            dossier_transition(actor=officer, dossier=supplement, to=to, reasons=["TC99"])
    leader = UserFactory()
    grant(leader, "central_leader")
    today = timezone.localdate()
    report = period_report(user=leader, date_from=today, date_to=today)
    assert report.totals.received == 1


# --- what changed -------------------------------------------------------------------------------
def _rows(*rows):
    return [{"STT": str(i), **r} for i, r in enumerate(rows, start=1)]


def test_rows_are_the_same_worker_by_social_insurance_number():
    changes = rows_compare(_rows(worker(1), worker(2)), _rows(worker(2), worker(1, PA="TD")))
    assert not changes.added and not changes.removed
    assert [(c.after["HoTen"], c.fields) for c in changes.changed] == [
        ("Nguyễn Văn 1", [("PA", "TM", "TD")])
    ]


def test_a_corrected_social_insurance_number_is_a_change_found_by_the_citizen_id():
    changes = rows_compare(_rows(worker(1)), _rows(worker(1, MasoBHXH="7900000099")))
    assert not changes.added and not changes.removed
    assert changes.changed[0].fields == [("MasoBHXH", "7900000001", "7900000099")]


def test_rows_without_numbers_are_matched_by_their_stt():
    blank = {"MasoBHXH": "", "CMND": ""}
    changes = rows_compare(
        _rows(worker(1, **blank), worker(2, **blank)),
        _rows(worker(1, **blank), worker(2, **blank, ChucVu="Thủ kho")),
    )
    assert [c.fields for c in changes.changed] == [[("ChucVu", "Kế toán", "Thủ kho")]]


def test_two_people_in_the_same_row_are_one_removed_and_one_added():
    changes = rows_compare(_rows(worker(1), worker(2)), _rows(worker(1), worker(3)))
    assert [r["HoTen"] for r in changes.added] == ["Nguyễn Văn 3"]
    assert [r["HoTen"] for r in changes.removed] == ["Nguyễn Văn 2"]
    assert not changes.changed and changes


def test_the_same_list_has_no_changes():
    assert not rows_compare(_rows(worker(1)), _rows(worker(1)))
