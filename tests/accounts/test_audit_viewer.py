"""The audit viewer: provincial admins see their province, central IT all; filters,
.xlsx export, and the chain-verification status with the last verified entry."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts import audit, lifecycle
from accounts.models import AuditEntry, AuditVerification
from accounts.selectors import office_resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(people, applications):
    hn = audit.record(people.hn_admin, "test.hanoi", "việc Hà Nội", office_resolve("0102"), {})
    th = audit.record(
        people.th_admin, "test.thanhhoa", "việc Thanh Hóa", office_resolve("3801"), {}
    )
    granted = lifecycle.application_grant(
        actor=people.hn_admin,
        user=people.officer,
        application=applications["tst"],
        office=office_resolve("0101"),
    )
    audit.seal()  # as the beat job does within seconds
    return hn, th, granted


def ids(response):
    return {e.pk for e in response.context["page"]}


def test_provincial_admin_sees_only_their_province(entries, people, client):
    hn, th, _ = entries
    client.force_login(people.hn_admin)
    shown = ids(client.get(reverse("accounts:audit")))
    assert hn.pk in shown and th.pk not in shown
    client.force_login(people.th_admin)
    shown = ids(client.get(reverse("accounts:audit")))
    assert th.pk in shown and hn.pk not in shown


def test_central_it_sees_everything(entries, people, client):
    client.force_login(people.central_it)
    shown = ids(client.get(reverse("accounts:audit")))
    assert {entries[0].pk, entries[1].pk} <= shown


def test_people_without_the_right_are_refused(people, client):
    client.force_login(people.officer)
    assert client.get(reverse("accounts:audit")).status_code == 403
    assert client.get(reverse("accounts:audit_export")).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "qt_hanoi"}, {"test.hanoi", "application.granted"}),
        ({"action": "test."}, {"test.hanoi", "test.thanhhoa"}),
        ({"office": "38"}, {"test.thanhhoa"}),
        ({"application": "tst"}, {"application.granted"}),
    ],
)
def test_filters(entries, people, client, query, expected):
    client.force_login(people.central_it)
    page = client.get(reverse("accounts:audit"), query).context["page"]
    actions = {e.action for e in page if not e.action.startswith(("role.", "login."))}
    if "actor" in query:
        actions = {e.action for e in page}
    assert actions == expected


def test_date_filter(entries, people, client):
    client.force_login(people.central_it)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert not ids(client.get(reverse("accounts:audit"), {"date_from": tomorrow}))
    today = timezone.localdate().isoformat()
    assert ids(client.get(reverse("accounts:audit"), {"date_from": today, "date_to": today}))


def test_export_is_an_xlsx_of_the_filtered_entries_and_is_audited(entries, people, client):
    client.force_login(people.hn_admin)
    response = client.get(reverse("accounts:audit_export"), {"action": "test."})
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb.active.iter_rows(min_row=2, values_only=True))
    assert [r[3] for r in rows] == ["test.hanoi"]
    assert AuditEntry.objects.filter(action="audit.exported").exists()


def test_chain_status_shows_the_last_verified_entry(entries, people, client):
    client.force_login(people.central_it)
    page = client.get(reverse("accounts:audit"))
    assert page.context["status"] is None
    client.post(reverse("accounts:audit_verify"))
    status = AuditVerification.objects.get()
    checked_entry = AuditEntry.objects.get(action="audit.chain_checked")  # the run is audited
    assert checked_entry.actor == people.central_it and checked_entry.data["ok"] is True
    before_it = AuditEntry.objects.filter(pk__lt=checked_entry.pk).order_by("id").last()
    assert status.ok and status.last_verified_id == before_it.pk
    body = client.get(reverse("accounts:audit")).content.decode()
    assert f"#{status.last_verified_id}" in body


def test_a_broken_chain_is_shown_with_the_broken_entry(entries, people, client):
    hn, th, _ = entries
    AuditEntry.objects.filter(pk=th.pk).update(target_repr="sửa lén")
    with pytest.raises(CommandError):
        call_command("audit_verify")
    status = AuditVerification.objects.get()
    assert status.broken_id == th.pk and status.last_verified_id == hn.pk
    client.force_login(people.hn_admin)
    body = client.get(reverse("accounts:audit")).content.decode()
    assert f"#{th.pk}" in body and 'role="alert"' in body


def test_a_provincial_admin_runs_the_check_from_the_page_audited(entries, people, client):
    client.force_login(people.hn_admin)
    page = client.get(reverse("accounts:audit")).content.decode()
    assert 'data-testid="verify-now"' in page
    response = client.post(reverse("accounts:audit_verify"), follow=True)
    status = AuditVerification.objects.get()
    assert status.ok
    ran = AuditEntry.objects.get(action="audit.chain_checked")
    assert ran.actor == people.hn_admin and ran.data["ok"] is True
    body = response.content.decode()
    assert f"#{status.last_verified_id}" in body and 'role="alert"' not in body


def test_people_without_the_audit_right_cannot_run_the_check(people, client):
    client.force_login(people.officer)
    assert client.post(reverse("accounts:audit_verify")).status_code == 403
    assert not AuditVerification.objects.exists()
