"""The receiving queue, one dossier's page, claims and assignments, the office dashboard,
the post dispatch list, the directors' report: scoping (office A never sees office B),
one refusal test per action, constant query counts, the work hand-back on a lock."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.lifecycle import account_lock
from accounts.models import AuditEntry
from declarations.dossiers.models import Dossier
from declarations.review.models import PostDispatch
from declarations.review.services import dossier_transition
from tests.declarations.review_world import World, dossier_make, staff

pytestmark = pytest.mark.usefixtures("reference_data")
QUEUE = "/quan-ly/tiep-nhan/"


@pytest.fixture
def world():
    return World()


def codes(response):
    return [d.transaction_code for d in response.context["page"]]


def test_the_queue_shows_only_the_office_s_open_non_sandbox_dossiers(client, world):
    mine = dossier_make(world.unit_a)
    dossier_make(world.unit_a, sandbox=True)
    dossier_make(world.unit_a, status="accepted")
    theirs = dossier_make(world.unit_b)
    client.force_login(world.officer_a)
    response = client.get(QUEUE)
    assert codes(response) == [mine.transaction_code]
    client.force_login(world.officer_b)
    assert codes(client.get(QUEUE)) == [theirs.transaction_code]


@pytest.mark.parametrize("role", ["employer_user", "collection_officer", "closure_operator"])
def test_the_queue_is_refused_to_other_roles(client, world, role):
    user = world.employer_a if role == "employer_user" else staff("7501", role)
    client.force_login(user)
    for url in [QUEUE, "/quan-ly/bang-dieu-khien/", "/quan-ly/gui-buu-dien/"]:
        assert client.get(url).status_code == 403


def test_sorted_by_deadline_with_overdue_and_at_risk_highlighted(client, world):
    today = timezone.localdate()
    late = dossier_make(world.unit_a, deadline=today - timedelta(days=3))
    soon = dossier_make(world.unit_a, deadline=today)
    later = dossier_make(world.unit_a, deadline=today + timedelta(days=30))
    paused = dossier_make(world.unit_a, status="supplement_requested")
    Dossier.objects.filter(pk=paused.pk).update(deadline=None)
    client.force_login(world.officer_a)
    response = client.get(QUEUE)
    assert codes(response) == [
        late.transaction_code,
        soon.transaction_code,
        later.transaction_code,
        paused.transaction_code,
    ]
    flags = {d.transaction_code: d.flag for d in response.context["page"]}
    assert flags == {
        late.transaction_code: "overdue",
        soon.transaction_code: "at-risk",
        later.transaction_code: "",
        paused.transaction_code: "paused",
    }
    html = response.content.decode()
    assert f'data-code="{late.transaction_code}" data-flag="overdue"' in html
    reverse = client.get(QUEUE + "?sort=-deadline")
    assert codes(reverse)[0] == later.transaction_code


def test_queue_filters(client, world):
    today = timezone.localdate()
    a = dossier_make(world.unit_a, procedure="600", deadline=today - timedelta(days=1))
    b = dossier_make(world.unit_a, procedure="600a", status="in_review")
    c = dossier_make(world.unit_a, paper_required=True, result_held=True)
    other_unit = world.unit_a.__class__.objects.create(
        unit_code="ZZ0001A",
        name="Nhà máy Zeta",
        tax_code="0101300842",
        managing_office=world.office_a,
    )
    z = dossier_make(other_unit)
    client.force_login(world.officer_a)
    assert codes(client.get(QUEUE + "?procedure=600a")) == [b.transaction_code]
    assert codes(client.get(QUEUE + "?status=in_review")) == [b.transaction_code]
    assert codes(client.get(QUEUE + "?overdue=1")) == [a.transaction_code]
    assert codes(client.get(QUEUE + "?paper=1")) == [c.transaction_code]
    assert codes(client.get(QUEUE + "?employer=zz0001a")) == [z.transaction_code]
    assert codes(client.get(QUEUE + "?employer=zeta")) == [z.transaction_code]
    assert client.get(QUEUE + "?status=bogus&sort=bogus").status_code == 200


def test_claim_and_assign(client, world):
    d = dossier_make(world.unit_a)
    client.force_login(world.officer_a)
    client.post(f"/quan-ly/tiep-nhan/{d.pk}/nhan-xu-ly")
    d.refresh_from_db()
    assert d.assigned_to == world.officer_a
    assert codes(client.get(QUEUE + "?mine=1")) == [d.transaction_code]
    client.post(f"/quan-ly/tiep-nhan/{d.pk}/giao", {"officer": world.officer_a2.pk})
    d.refresh_from_db()
    assert d.assigned_to == world.officer_a2
    assert AuditEntry.objects.filter(action="dossier.assigned", target_id=str(d.pk)).count() == 2
    # an officer of another office cannot be given the dossier
    response = client.post(
        f"/quan-ly/tiep-nhan/{d.pk}/giao", {"officer": world.officer_b.pk}, follow=True
    )
    assert "REVIEW_ASSIGNEE_INVALID" in response.content.decode()
    d.refresh_from_db()
    assert d.assigned_to == world.officer_a2
    client.post(f"/quan-ly/tiep-nhan/{d.pk}/giao", {"officer": ""})
    d.refresh_from_db()
    assert d.assigned_to is None


def test_decisions_through_the_page(client, world):
    d = dossier_make(world.unit_a)
    client.force_login(world.officer_a)
    page = client.get(f"/quan-ly/tiep-nhan/{d.pk}/")
    assert page.status_code == 200
    client.post(f"/quan-ly/tiep-nhan/{d.pk}/chuyen", {"to": "in_review"})
    d.refresh_from_db()
    assert d.status == "in_review" and d.assigned_to == world.officer_a  # taken on review
    response = client.post(f"/quan-ly/tiep-nhan/{d.pk}/chuyen", {"to": "rejected"}, follow=True)
    assert "REVIEW_REASON_REQUIRED" in response.content.decode()
    response = client.post(f"/quan-ly/tiep-nhan/{d.pk}/chuyen", {"to": "supplemented"}, follow=True)
    assert "REVIEW_TRANSITION_REFUSED" in response.content.decode()
    client.post(f"/quan-ly/tiep-nhan/{d.pk}/chuyen", {"to": "rejected", "reasons": ["TC02"]})
    d.refresh_from_db()
    assert d.status == "rejected" and d.notices.filter(kind="rejected").exists()


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/quan-ly/tiep-nhan/{pk}/", {}),
        ("post", "/quan-ly/tiep-nhan/{pk}/chuyen", {"to": "in_review"}),
        ("post", "/quan-ly/tiep-nhan/{pk}/nhan-xu-ly", {}),
        ("post", "/quan-ly/tiep-nhan/{pk}/giao", {"officer": ""}),
    ],
)
def test_staff_of_office_b_cannot_act_on_office_a_s_dossier(client, world, method, path, data):
    d = dossier_make(world.unit_a)
    client.force_login(world.officer_b)
    response = getattr(client, method)(path.format(pk=d.pk), data)
    assert response.status_code == 404
    d.refresh_from_db()
    assert d.status == "received" and d.assigned_to is None


def test_sandbox_dossiers_cannot_be_reviewed(client, world):
    d = dossier_make(world.unit_a, sandbox=True)
    client.force_login(world.officer_a)
    assert client.get(f"/quan-ly/tiep-nhan/{d.pk}/").status_code == 404


def _fill(unit, n):
    today = timezone.localdate()
    for i in range(n):
        dossier_make(unit, deadline=today + timedelta(days=i % 9 - 3), status="received")


@pytest.mark.parametrize("n", [3, 60])
def test_the_queue_answers_in_a_constant_number_of_queries(
    client, world, n, django_assert_max_num_queries
):
    _fill(world.unit_a, n)
    for d in Dossier.objects.all()[:5]:
        d.assigned_to = world.officer_a2
        d.save(update_fields=["assigned_to"])
    client.force_login(world.officer_a)
    client.get(QUEUE)  # warm the session
    with django_assert_max_num_queries(20):
        response = client.get(QUEUE + "?procedure=600")
    assert len(response.context["page"]) == min(n, 50)


@pytest.mark.parametrize("n", [3, 60])
def test_the_dashboard_answers_in_a_constant_number_of_queries(
    client, world, n, django_assert_max_num_queries
):
    _fill(world.unit_a, n)
    client.force_login(world.officer_a)
    client.get("/quan-ly/bang-dieu-khien/")
    with django_assert_max_num_queries(24):
        response = client.get("/quan-ly/bang-dieu-khien/")
    assert response.context["data"].open_total == n


def test_dashboard_counts_and_weekly_on_time_rate(client, world):
    today = timezone.localdate()
    dossier_make(world.unit_a, deadline=today - timedelta(days=2))
    dossier_make(world.unit_a, deadline=today)
    dossier_make(world.unit_a, deadline=today + timedelta(days=20), status="in_review")
    dossier_make(world.unit_a, sandbox=True, deadline=today - timedelta(days=2))
    dossier_make(world.unit_b, deadline=today - timedelta(days=2))
    ok = dossier_make(world.unit_a, status="in_review")
    dossier_transition(actor=world.officer_a, dossier=ok, to="accepted")
    late = dossier_make(world.unit_a, status="in_review")
    Dossier.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=1))
    dossier_transition(actor=world.officer_a, dossier=late, to="rejected", reasons=["TC03"])
    client.force_login(world.officer_a)
    response = client.get("/quan-ly/bang-dieu-khien/")
    data = response.context["data"]
    assert (data.open_total, data.overdue, data.at_risk) == (3, 1, 1)
    assert dict((v, n) for v, _l, n in data.by_status)["accepted"] == 1
    monday, decided, on_time = data.weeks[-1]
    assert monday == today - timedelta(days=today.weekday())
    assert (decided, on_time) == (2, 1)
    html = response.content.decode()
    assert 'data-series="rate"' in html and "<svg" in html and "cdn" not in html.lower()


def test_the_post_dispatch_list(client, world):
    world.unit_a.result_delivery = "post"
    world.unit_a.postal_address = "12 Lê Lợi, Biên Hòa"
    world.unit_a.save()
    world.unit_b.result_delivery = "post"
    world.unit_b.postal_address = "1 Nguyễn Huệ"
    world.unit_b.save()
    d = dossier_make(world.unit_a, status="in_review")
    dossier_transition(actor=world.officer_a, dossier=d, to="accepted")
    e = dossier_make(world.unit_b, status="in_review")
    dossier_transition(actor=world.officer_b, dossier=e, to="accepted")
    client.force_login(world.officer_a)
    response = client.get("/quan-ly/gui-buu-dien/")
    assert [r.dossier for r in response.context["rows"]] == [d]
    csv_text = client.get("/quan-ly/gui-buu-dien/danh-sach.csv").content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("STT,NgayLap,MaDonVi")
    assert len(lines) == 2 and "12 Lê Lợi" in lines[1] and world.unit_a.unit_code in lines[1]
    labels = client.get("/quan-ly/gui-buu-dien/nhan.pdf")
    assert labels.content.startswith(b"%PDF")
    row = PostDispatch.objects.get(dossier=d)
    other = PostDispatch.objects.get(dossier=e)
    # Marking sent: office B's row is not in A's list, so it is left alone.
    client.post("/quan-ly/gui-buu-dien/", {"sent": [row.pk, other.pk]})
    row.refresh_from_db()
    other.refresh_from_db()
    assert row.sent_at is not None and row.sent_by == world.officer_a
    assert other.sent_at is None
    assert AuditEntry.objects.filter(action="dossier.result_posted").count() == 1
    # Tomorrow the sent row is gone from the list.
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert list(client.get(f"/quan-ly/gui-buu-dien/?day={tomorrow}").context["rows"]) == []


def test_a_locked_officer_s_claims_go_back_to_the_queue(world):
    claimed = dossier_make(world.unit_a, assigned_to=world.officer_a)
    decided = dossier_make(world.unit_a, status="accepted", assigned_to=world.officer_a)
    someone_else = dossier_make(world.unit_a, assigned_to=world.officer_a2)
    admin = staff("75", "provincial_admin")
    account_lock(actor=admin, user=world.officer_a, reason="Chuyển công tác")
    claimed.refresh_from_db()
    decided.refresh_from_db()
    someone_else.refresh_from_db()
    assert claimed.assigned_to is None
    assert decided.assigned_to == world.officer_a  # settled work keeps its officer
    assert someone_else.assigned_to == world.officer_a2
    entry = AuditEntry.objects.get(action="account.locked")
    assert entry.data["work_handed_back"]["declarations.claims"] == 1
    assert AuditEntry.objects.filter(
        action="dossier.handed_back", target_id=str(claimed.pk)
    ).exists()


REPORT = "/quan-ly/bao-cao-dinh-ky/"


def test_the_directors_report(client, world):
    today = timezone.localdate()
    period = f"?from={(today - timedelta(days=7)).isoformat()}&to={today.isoformat()}"
    dossier_make(world.unit_a, procedure="600")
    dossier_make(world.unit_a, procedure="600a", channel="ivan")
    dossier_make(world.unit_a, procedure="600", sandbox=True)
    dossier_make(world.unit_b, procedure="600", channel="paper")
    ok = dossier_make(world.unit_a, status="in_review")
    dossier_transition(actor=world.officer_a, dossier=ok, to="accepted")
    world.unit_a.e_status, world.unit_a.e_registered_on = "active", date(2015, 10, 1)
    world.unit_a.save()
    director = staff("75", "provincial_admin")
    client.force_login(director)
    response = client.get(REPORT + period)
    assert response.status_code == 200
    data = response.context["data"]
    by_code = {f.office.code: f for f in data.offices}
    assert by_code["7501"].received == 3
    assert by_code["7501"].by_procedure == {"600": 2, "600a": 1}
    assert by_code["7501"].by_channel == {"portal": 2, "ivan": 1}
    assert by_code["7501"].on_time_rate == 100
    assert by_code["7501"].adoption_rate == 100
    assert by_code["7502"].by_channel == {"paper": 1}
    assert data.totals.received == 4
    assert "<svg" in response.content.decode()
    book = load_workbook(BytesIO(client.get(REPORT + "xlsx" + period).content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][:3] == ("Office code", "Office", "Received") or rows[1][0] == "Mã cơ quan"
    assert any(r[0] == "7501" and r[2] == 3 for r in rows)
    assert client.get(REPORT + "pdf" + period).content.startswith(b"%PDF")


def test_the_report_is_scoped_and_refused_to_office_staff(client, world):
    dossier_make(world.unit_a)
    dossier_make(world.unit_b)
    client.force_login(world.officer_a)
    for suffix in ["", "xlsx", "pdf"]:
        assert client.get(REPORT + suffix).status_code == 403
    other_province = staff("79", "provincial_admin")
    client.force_login(other_province)
    today = timezone.localdate().isoformat()
    response = client.get(REPORT + f"?from={today}&to={today}")
    assert {f.office.code[:2] for f in response.context["data"].offices} <= {"79"}
    national = staff("00", "central_leader")
    client.force_login(national)
    response = client.get(REPORT + f"?from={today}&to={today}")
    assert response.context["data"].totals.received == 2


def test_dashboard_counts_decisions_of_its_window_and_every_open_dossier(client, world):
    """The page reads only open dossiers and the window's decisions: an old decision leaves
    the by-state table, an old open dossier stays in it."""
    today = timezone.localdate()
    old_open = dossier_make(world.unit_a, deadline=today - timedelta(days=400))
    recent = dossier_make(world.unit_a, status="in_review")
    dossier_transition(actor=world.officer_a, dossier=recent, to="accepted")
    old = dossier_make(world.unit_a, status="in_review")
    dossier_transition(actor=world.officer_a, dossier=old, to="accepted")
    Dossier.objects.filter(pk=old.pk).update(decided_at=timezone.now() - timedelta(weeks=30))
    client.force_login(world.officer_a)
    response = client.get("/quan-ly/bang-dieu-khien/", HTTP_ACCEPT_LANGUAGE="vi")
    by_status = {v: n for v, _l, n in response.context["data"].by_status}
    assert by_status["accepted"] == 1
    assert by_status[old_open.status] == 1
    assert "trong 12 tuần qua" in response.content.decode()
