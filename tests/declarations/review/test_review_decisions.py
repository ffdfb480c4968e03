"""Decisions through the one transition map: every forbidden change refused, coded reasons,
result notices (e-mail, event), the supplement clock, held results, post dispatch."""

import importlib
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from accounts.models import AuditEntry
from core.outbox.models import OutboxMessage
from core.refusals import Refused
from declarations.dossiers import events
from declarations.dossiers.models import TRANSITIONS, Dossier, DossierStatus, Notice
from declarations.dossiers.notices import notice_lines, notice_pdf
from declarations.dossiers.reasons import REASONS
from declarations.review.models import PostDispatch
from declarations.review.services import dossier_transition, paper_set_record
from tests.declarations.review_world import World, at, dossier_make

pytestmark = pytest.mark.usefixtures("reference_data")

REASONS_FOR = {
    DossierStatus.REJECTED: ["TC04"],
    DossierStatus.SUPPLEMENT_REQUESTED: ["BS01"],
}


@pytest.fixture
def world():
    return World()


@pytest.fixture
def published():
    seen = []

    def listener(event, *, dossier, notice=None, data=None):
        seen.append((event, dossier.pk, notice.number if notice else None))

    events.subscribe(listener)
    yield seen
    events.unsubscribe(listener)


ALL = [s.value for s in DossierStatus]
PAIRS = [(a, b) for a in ALL for b in ALL]


@pytest.mark.parametrize(("frm", "to"), PAIRS)
def test_every_pair_of_states_follows_the_map(world, frm, to):
    dossier = dossier_make(world.unit_a, status=frm)
    if to in TRANSITIONS[frm]:
        if frm == DossierStatus.SUPPLEMENT_REQUESTED:
            dossier.pauses.create(requested_at=dossier.received_at)
        done = dossier_transition(
            actor=world.officer_a, dossier=dossier, to=to, reasons=REASONS_FOR.get(to, ())
        )
        assert done.status == to
        assert AuditEntry.objects.filter(
            action="dossier.status_changed", target_id=str(dossier.pk), data__to=to
        ).exists()
    else:
        with pytest.raises(Refused):
            dossier_transition(
                actor=world.officer_a, dossier=dossier, to=to, reasons=REASONS_FOR.get(to, ())
            )
        dossier.refresh_from_db()
        assert dossier.status == frm
        assert not AuditEntry.objects.filter(action="dossier.status_changed").exists()
        assert not dossier.notices.exists()


def test_the_full_path_with_a_supplement(world):
    d = dossier_make(world.unit_a)
    for to, reasons in [
        ("in_review", ()),
        ("supplement_requested", ["BS01", "BS03"]),
        ("supplemented", ()),
        ("in_review", ()),
        ("accepted", ()),
    ]:
        d = dossier_transition(actor=world.officer_a, dossier=d, to=to, reasons=reasons)
    assert d.status == "accepted"
    kinds = list(d.notices.order_by("issued_at", "pk").values_list("kind", flat=True))
    assert kinds == ["supplement", "accepted"]


@pytest.mark.parametrize(
    ("to", "reasons", "note", "code"),
    [
        ("rejected", [], "", "REVIEW_REASON_REQUIRED"),
        ("rejected", ["BS01"], "", "REVIEW_REASON_UNKNOWN"),
        ("rejected", ["XX01"], "", "REVIEW_REASON_UNKNOWN"),
        ("rejected", ["TC99"], "  ", "REVIEW_NOTE_REQUIRED"),
        ("supplement_requested", [], "", "REVIEW_REASON_REQUIRED"),
        ("supplement_requested", ["TC01"], "", "REVIEW_REASON_UNKNOWN"),
    ],
)
def test_a_decision_needs_reasons_from_the_catalogue(world, to, reasons, note, code):
    d = dossier_make(world.unit_a, status="in_review")
    with pytest.raises(Refused) as refused:
        dossier_transition(actor=world.officer_a, dossier=d, to=to, reasons=reasons, note=note)
    assert refused.value.code == code
    assert refused.value.message  # Vietnamese by default
    d.refresh_from_db()
    assert d.status == "in_review"
    assert not Notice.objects.filter(dossier=d).exists()


def test_reason_codes_are_stable_and_bilingual():
    assert len({r.code for r in REASONS.values()}) == len(REASONS)
    for reason in REASONS.values():
        assert reason.vi and reason.en and reason.vi != reason.en
        assert reason.kind in ("reject", "supplement")


def test_a_rejection_issues_a_result_notice_with_its_reasons(world, published):
    d = dossier_make(world.unit_a, status="in_review")
    dossier_transition(
        actor=world.officer_a, dossier=d, to="rejected", reasons=["TC04", "TC99"], note="Sai mã"
    )
    notice = Notice.objects.get(dossier=d, kind="rejected")
    assert notice.data["reasons"] == ["TC04", "TC99"]
    title, lines = notice_lines(notice)
    assert title == "THÔNG BÁO KẾT QUẢ GIẢI QUYẾT HỒ SƠ"
    texts = [v for k, v in lines if k == "Lý do"]
    assert texts[0].startswith("TC04 — Thông tin người lao động")
    assert ("Ghi chú", "Sai mã") in lines
    assert notice_pdf(notice).startswith(b"%PDF")
    title_en, lines_en = notice_lines(notice, "en")
    assert title_en == "NOTICE OF THE DOSSIER'S RESULT"
    assert ("Result", "The dossier is rejected.") in lines_en
    reasons_en = [v for k, v in lines_en if k == "Reason"]
    assert [r.split(" — ")[0] for r in reasons_en] == ["TC04", "TC99"]
    assert reasons_en[0] != texts[0]  # the reason's English text, not the Vietnamese
    mail = OutboxMessage.objects.get(key=f"notice-{notice.number}")
    assert mail.kind == "email"
    assert mail.payload["to"] == ["ketoan@dv.example.vn"]
    assert "TC04" in mail.payload["body"] and "bị từ chối" in mail.payload["subject"]
    assert ("notice.issued", d.pk, notice.number) in published
    entry = AuditEntry.objects.get(action="dossier.status_changed", target_id=str(d.pk))
    assert entry.data["reasons"] == ["TC04", "TC99"] and entry.data["notice"] == notice.number
    d.refresh_from_db()
    assert d.decided_at is not None and d.on_time is True


def test_the_employer_sees_the_result_in_its_history(client, world):
    d = dossier_make(world.unit_a, status="in_review")
    dossier_transition(actor=world.officer_a, dossier=d, to="accepted")
    notice = Notice.objects.get(dossier=d, kind="accepted")
    client.force_login(world.employer_a)
    assert notice.number.encode() in client.get(f"/giao-dich/ho-so/{d.pk}/").content
    page = client.get(f"/giao-dich/thong-bao/{notice.pk}/")
    assert page.status_code == 200 and "Hồ sơ được chấp nhận." in page.content.decode()
    pdf = client.get(f"/giao-dich/thong-bao/{notice.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"


def test_the_supplement_pause_does_not_count(world):
    # Received Mon 05/01/2026 09:00; procedure 600 has 5 working days → Mon 12/01.
    received = at(2026, 1, 5)
    with time_machine.travel(received, tick=False):
        d = dossier_make(world.unit_a)
    assert d.deadline == date(2026, 1, 12)
    with time_machine.travel(at(2026, 1, 6, 10), tick=False):
        d = dossier_transition(actor=world.officer_a, dossier=d, to="in_review")
        d = dossier_transition(
            actor=world.officer_a, dossier=d, to="supplement_requested", reasons=["BS02"]
        )
    assert d.deadline is None  # the clock is stopped
    assert Dossier.objects.get(pk=d.pk).deadline is None
    # The supplement arrives Fri 09/01: Wed 7, Thu 8, Fri 9 are paused (3 working days).
    with time_machine.travel(at(2026, 1, 9, 11), tick=False):
        d = dossier_transition(actor=world.officer_a, dossier=d, to="supplemented")
    # Counted: Tue 6 (1) … paused 7, 8, 9 … Mon 12 (2), 13 (3), 14 (4), 15 (5).
    assert d.deadline == date(2026, 1, 15)
    assert Dossier.objects.get(pk=d.pk).deadline == date(2026, 1, 15)
    pause = d.pauses.get()
    assert pause.resumed_at is not None
    with time_machine.travel(at(2026, 1, 16, 9), tick=False):
        d = dossier_transition(actor=world.officer_a, dossier=d, to="in_review")
        d = dossier_transition(actor=world.officer_a, dossier=d, to="accepted")
    assert d.on_time is False  # decided on 16/01, one day after the deadline


def test_a_trial_result_is_held_until_the_paper_set(world, published):
    d = dossier_make(world.unit_a, status="in_review", paper_required=True, result_held=True)
    dossier_transition(actor=world.officer_a, dossier=d, to="accepted")
    assert not Notice.objects.filter(dossier=d, kind="accepted").exists()
    assert not OutboxMessage.objects.filter(key__startswith="notice-").exists()
    assert not [e for e in published if e[0] == "notice.issued"]
    d.refresh_from_db()
    assert d.decision["held"] is True
    paper_set_record(actor=world.officer_a, dossier=d)
    notice = Notice.objects.get(dossier=d, kind="accepted")
    assert ("notice.issued", d.pk, notice.number) in published
    assert ("result.released", d.pk, notice.number) in published
    assert OutboxMessage.objects.filter(key=f"notice-{notice.number}").exists()
    # Recording it again releases nothing more.
    paper_set_record(actor=world.officer_a, dossier=d)
    assert Notice.objects.filter(dossier=d, kind="accepted").count() == 1


def test_a_trial_supplement_request_is_not_held(world):
    d = dossier_make(world.unit_a, status="in_review", paper_required=True, result_held=True)
    dossier_transition(
        actor=world.officer_a, dossier=d, to="supplement_requested", reasons=["BS05"]
    )
    assert Notice.objects.filter(dossier=d, kind="supplement").exists()


def test_accepted_results_of_postal_units_go_to_the_dispatch_list(world):
    world.unit_a.result_delivery = "post"
    world.unit_a.postal_address = "12 Lê Lợi, Biên Hòa, Đồng Nai"
    world.unit_a.save()
    d = dossier_make(world.unit_a, status="in_review")
    dossier_transition(actor=world.officer_a, dossier=d, to="accepted")
    row = PostDispatch.objects.get(dossier=d)
    assert row.address == "12 Lê Lợi, Biên Hòa, Đồng Nai"
    assert row.office == world.office_a and row.sent_at is None
    other = dossier_make(world.unit_b, status="in_review")
    dossier_transition(actor=world.officer_b, dossier=other, to="accepted")
    assert not PostDispatch.objects.filter(dossier=other).exists()  # delivered at the office
    rejected = dossier_make(world.unit_a, status="in_review")
    dossier_transition(actor=world.officer_a, dossier=rejected, to="rejected", reasons=["TC03"])
    assert not PostDispatch.objects.filter(dossier=rejected).exists()


def test_the_receiving_office_and_deadline_are_set_at_receipt(world):
    d = dossier_make(world.unit_a, received_at=at(2026, 2, 13, 9))  # Fri before Tết 2026
    assert d.office == world.office_a
    # Tết Bính Ngọ: 14–22/02/2026 off (seeded); 5 working days from Mon 23/02 → Fri 27/02.
    assert d.deadline == date(2026, 2, 27)


def test_the_migration_backfills_deadlines_of_dossiers_received_before(world):
    migration = importlib.import_module("declarations.migrations.0008_review")
    # The models as the migration saw them (the tables are the same today).
    apps = MigrationLoader(connection).project_state(("declarations", "0008_review")).apps
    d = dossier_make(world.unit_a, received_at=at(2026, 1, 5))
    Dossier.objects.filter(pk=d.pk).update(deadline=None)
    migration.deadlines_backfill(apps, None)
    assert Dossier.objects.get(pk=d.pk).deadline == date(2026, 1, 12)
