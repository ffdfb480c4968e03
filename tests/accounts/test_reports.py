"""Quarterly account reports: figures from the audit log against a hand-made history,
due dates, reminders and overdue flags, submission, files and the central page."""

import io
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from accounts import lifecycle, provisioning, reports
from accounts.models import AccountReport, AuditEntry, BusinessApplication, Role
from accounts.reports import ReportState
from accounts.selectors import office_resolve
from core.outbox.models import OutboxMessage

from .timeutil import vn

pytestmark = pytest.mark.django_db


# --- quarters, due dates, states ------------------------------------------------------------
@pytest.mark.parametrize(
    ("year", "quarter", "due"),
    [
        (2030, 1, date(2030, 4, 10)),
        (2030, 2, date(2030, 7, 10)),
        (2030, 3, date(2030, 10, 10)),
        (2030, 4, date(2031, 1, 10)),
    ],
)
def test_due_before_the_tenth_of_the_next_quarters_first_month(year, quarter, due):
    assert reports.due_before(year, quarter) == due


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2030, 3, 31), ReportState.RUNNING),
        (date(2030, 4, 1), ReportState.OPEN),
        (date(2030, 4, 4), ReportState.OPEN),
        (date(2030, 4, 5), ReportState.REMINDER),
        (date(2030, 4, 9), ReportState.REMINDER),
        (date(2030, 4, 10), ReportState.OVERDUE),
        (date(2030, 6, 1), ReportState.OVERDUE),
    ],
)
def test_report_state_by_day(today, state):
    assert reports.report_state(year=2030, quarter=1, today=today) == state


def test_submitted_on_the_tenth_is_late():
    on_time = vn(date(2030, 4, 9), 23, 0)
    late = vn(date(2030, 4, 10), 0, 30)
    assert reports.report_state(year=2030, quarter=1, submitted_at=on_time) == ReportState.SUBMITTED
    assert (
        reports.report_state(year=2030, quarter=1, submitted_at=late) == ReportState.SUBMITTED_LATE
    )


def test_quarter_bounds_and_previous_quarter():
    assert reports.quarter_bounds(2030, 4) == (date(2030, 10, 1), date(2030, 12, 31))
    assert reports.previous_quarter(date(2030, 1, 5)) == (2029, 4)
    assert reports.previous_quarter(date(2030, 8, 5)) == (2030, 2)


# --- the hand-made history --------------------------------------------------------------------
@pytest.fixture
def history(people, applications):
    """Q1/2030 in Hà Nội: A created with receiving+lookup (15/01), B with collection
    (01/02), A on sick leave (20/02), the receiving officer transferred to HCMC (10/03);
    C created in Thanh Hóa (20/01); B locked as dormant in Q2 (02/04)."""
    o, apps = office_resolve, applications
    role = Role.objects.get(pk="receiving_officer")

    def create(username, office, app_codes, when):
        with time_machine.travel(when, tick=False):
            return provisioning.account_create(
                actor=people.hn_admin if office.code.startswith("01") else people.th_admin,
                username=username,
                full_name=username.upper(),
                email=f"{username}@bhxh.gov.vn",
                office=office,
                role=role,
                applications=[apps[c] for c in app_codes],
            )

    a = create("a.nguyen", o("0101"), ["receiving", "lookup"], vn(date(2030, 1, 15), 9))
    b = create("b.tran", o("0102"), ["collection"], vn(date(2030, 2, 1), 9))
    c = create("c.le", o("3801"), ["receiving"], vn(date(2030, 1, 20), 9))
    with time_machine.travel(vn(date(2030, 2, 20), 8), tick=False):
        lifecycle.decision_record(
            actor=people.hn_admin,
            user=a,
            number="12/QĐ",
            signed_on=date(2030, 2, 15),
            kind="sick_leave",
            effective_on=date(2030, 2, 20),
        )
    with time_machine.travel(vn(date(2030, 3, 10), 8), tick=False):
        lifecycle.decision_record(
            actor=people.hn_admin,
            user=people.officer,
            number="30/QĐ",
            signed_on=date(2030, 3, 1),
            kind="transfer",
            effective_on=date(2030, 3, 10),
            new_office=o("7901"),
        )
    with time_machine.travel(vn(date(2030, 4, 2), 8), tick=False):
        lifecycle.account_lock(actor=people.hn_admin, user=b, reason="dormant")
    return a, b, c


def figures(report):
    return {
        app["code"]: (
            [w["username"] for w in app["added"]],
            [w["username"] for w in app["changed"]],
        )
        for app in report.figures["applications"]
        if app["added"] or app["changed"]
    }


def test_first_report_figures_against_the_hand_made_history(history):
    with time_machine.travel(vn(date(2030, 4, 3), 9), tick=False):
        report = reports.report_get(province=office_resolve("01"), year=2030, quarter=1)
    assert figures(report) == {
        "receiving": (["a.nguyen"], ["a.nguyen", "tiepnhan"]),
        "lookup": (["a.nguyen"], ["a.nguyen"]),
        "collection": (["b.tran"], []),
    }
    assert report.figures["totals"] == {"added": 3, "changed": 3}
    assert report.is_first
    existing = {r["username"]: (r["applications"], r["active"]) for r in report.figures["existing"]}
    assert existing == {
        "a.nguyen": (["lookup", "receiving"], False),
        "b.tran": (["collection"], False),
        "qt_hanoi": ([], True),  # an account with a role and no application rights
    }
    actions = {w["username"]: w["actions"] for w in report.figures["applications"][0]["changed"]}
    assert actions == {
        "a.nguyen": ["account.locked"],
        "tiepnhan": ["application.ended", "rights.transferred"],
    }


def test_other_provinces_count_their_own_changes(history):
    with time_machine.travel(vn(date(2030, 4, 3), 9), tick=False):
        hcm = reports.report_get(province=office_resolve("79"), year=2030, quarter=1)
        th = reports.report_get(province=office_resolve("38"), year=2030, quarter=1)
        hn_q2 = reports.report_get(province=office_resolve("01"), year=2030, quarter=2)
    assert figures(hcm) == {"receiving": (["tiepnhan"], ["tiepnhan"])}
    assert figures(th) == {"receiving": (["c.le"], [])}
    assert figures(hn_q2) == {"collection": ([], ["b.tran"])}


def test_after_a_submitted_report_the_next_is_not_first(history, people):
    with time_machine.travel(vn(date(2030, 4, 5), 9), tick=False):
        q1 = reports.report_get(province=office_resolve("01"), year=2030, quarter=1)
        reports.report_submit(actor=people.hn_admin, report=q1)
    with time_machine.travel(vn(date(2030, 7, 2), 9), tick=False):
        q2 = reports.report_get(province=office_resolve("01"), year=2030, quarter=2)
    assert not q2.is_first and q2.figures["existing"] == []


def test_submission_is_recorded_and_freezes_the_figures(history, people, applications):
    with time_machine.travel(vn(date(2030, 4, 5), 9), tick=False):
        report = reports.report_get(province=office_resolve("01"), year=2030, quarter=1)
        reports.report_submit(actor=people.hn_admin, report=report)
        with pytest.raises(ValidationError):
            reports.report_submit(actor=people.hn_admin, report=report)
    report.refresh_from_db()
    assert report.submitted_by == people.hn_admin
    entry = AuditEntry.objects.get(action="report.submitted")
    assert entry.data["totals"] == {"added": 3, "changed": 3} and entry.data["late"] is False
    assert OutboxMessage.objects.filter(key=f"account-report-submitted-{report.pk}").exists()
    # A late audit entry dated in Q1 would not change a submitted report.
    frozen = dict(report.figures)
    with time_machine.travel(vn(date(2030, 4, 6), 9), tick=False):
        again = reports.report_get(province=office_resolve("01"), year=2030, quarter=1)
    assert again.figures == frozen


def test_cannot_submit_before_the_quarter_ends_or_for_another_province(people, applications):
    with time_machine.travel(vn(date(2030, 3, 20), 9), tick=False):
        report = reports.report_get(province=office_resolve("01"), year=2030, quarter=1)
        with pytest.raises(ValidationError) as exc:
            reports.report_submit(actor=people.hn_admin, report=report)
        assert exc.value.error_list[0].code == "ACC-REPORT-EARLY"
    with time_machine.travel(vn(date(2030, 4, 2), 9), tick=False):
        with pytest.raises(ValidationError) as exc:
            reports.report_submit(actor=people.th_admin, report=report)
        assert exc.value.error_list[0].code == "ACC-REPORT-SCOPE"


# --- reminders and overdue flags ---------------------------------------------------------------
def test_reminder_before_the_due_date_and_overdue_flag_after(people, applications):
    hn = office_resolve("01")
    with time_machine.travel(vn(date(2030, 4, 4), 7), tick=False):
        assert reports.reports_remind() == {"reminded": 0, "overdue": 0}
    with time_machine.travel(vn(date(2030, 4, 5), 7), tick=False):
        first = reports.reports_remind()
        assert first["reminded"] == reports.provinces_on(date(2030, 3, 31)).count()
        assert reports.reports_remind()["reminded"] == 0  # once only
        # Hà Nội submits before the due date.
        reports.report_submit(
            actor=people.hn_admin,
            report=AccountReport.objects.get(province=hn, year=2030, quarter=1),
        )
    reminder = OutboxMessage.objects.get(
        key=f"account-report-reminder-{AccountReport.objects.get(province=hn).pk}"
    )
    assert reminder.payload["to"] == ["qt_hanoi@bhxh.gov.vn"]
    with time_machine.travel(vn(date(2030, 4, 10), 7), tick=False):
        done = reports.reports_remind()
    th = AccountReport.objects.get(province=office_resolve("38"), year=2030, quarter=1)
    assert th.overdue_flagged_at is not None
    assert AccountReport.objects.get(province=hn).overdue_flagged_at is None
    assert done["overdue"] == first["reminded"] - 1
    overdue_mail = OutboxMessage.objects.get(key__startswith="account-report-overdue-2030-1")
    assert "cntt@bhxh.gov.vn" in overdue_mail.payload["to"]


def test_central_page_lists_provinces_not_yet_submitted(people, applications, client):
    with time_machine.travel(vn(date(2030, 4, 6), 9), tick=False):
        report = reports.report_get(province=office_resolve("01"), year=2030, quarter=1)
        reports.report_submit(actor=people.hn_admin, report=report)
        client.force_login(people.central_it)
        page = client.get(reverse("accounts:reports_missing"), {"year": 2030, "quarter": 1})
        rows = page.context["rows"]
        codes = {r["province"].code for r in rows}
        assert "38" in codes and "01" not in codes
        assert all(r["state"] == ReportState.REMINDER for r in rows)
        client.force_login(people.hn_admin)
        assert client.get(reverse("accounts:reports_missing")).status_code == 403


# --- pages and files ----------------------------------------------------------------------------
def test_report_files_xlsx_and_pdf(history, people, client):
    with time_machine.travel(vn(date(2030, 4, 3), 9), tick=False):
        client.force_login(people.hn_admin)
        url = reverse("accounts:report_file", args=["01", 2030, 1, "xlsx"])
        response = client.get(url)
        pdf = client.get(reverse("accounts:report_file", args=["01", 2030, 1, "pdf"]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    rows = {r[1]: r[2:] for r in wb.worksheets[0].iter_rows(min_row=4, values_only=True)}
    assert rows["receiving"] == (1, 2) and rows["lookup"] == (1, 1) and rows["collection"] == (1, 0)
    # header + A, B and the provincial admin
    assert [s.title for s in wb.worksheets][2:] and wb.worksheets[2].max_row == 4
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="report.downloaded").count() == 2


def test_report_pages_are_scoped(history, people, client):
    with time_machine.travel(vn(date(2030, 4, 3), 9), tick=False):
        client.force_login(people.th_admin)
        assert (
            client.get(reverse("accounts:report_detail", args=["01", 2030, 1])).status_code == 404
        )
        assert (
            client.get(reverse("accounts:report_file", args=["01", 2030, 1, "xlsx"])).status_code
            == 404
        )
        listed = client.get(reverse("accounts:reports")).context["rows"]
        assert [r["province"].code for r in listed] == ["38"]
        client.force_login(people.hn_admin)
        page = client.get(reverse("accounts:report_detail", args=["01", 2030, 1]))
        assert page.status_code == 200 and page.context["may_submit"]
        client.post(reverse("accounts:report_submit", args=["01", 2030, 1]))
        client.force_login(people.central_it)
        assert (
            client.get(reverse("accounts:report_detail", args=["01", 2030, 1])).status_code == 200
        )
    assert AccountReport.objects.get(province__code="01", year=2030, quarter=1).submitted_at


def test_applications_registry_ships_internal_and_external(applications):
    internal = set(BusinessApplication.objects.filter(internal=True).values_list("code", flat=True))
    assert internal == {"receiving", "collection", "closure_transfer", "lookup", "administration"}
    assert BusinessApplication.objects.filter(internal=False).count() >= 3
    assert timedelta(days=1)


@pytest.mark.parametrize("year", [0, 1, 99999])
def test_impossible_years_are_not_found_not_errors(people, client, year):
    client.force_login(people.hn_admin)
    assert client.get(reverse("accounts:report_detail", args=["01", year, 1])).status_code == 404
    client.force_login(people.central_it)
    page = client.get(reverse("accounts:reports_missing"), {"year": year, "quarter": 1})
    assert page.status_code == 200
