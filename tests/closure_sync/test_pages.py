"""The closure pages: who may push, look up, receive, confirm, rotate; what they see."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from central.models import CentralClosure, CentralEvent
from closure_protocol.credentials import credential_file, credentials_render
from closure_sync import push
from closure_sync.models import ClosureRecord, ClosureStatus, JobKind, PushJob
from closure_sync.services import Period, closure_draft_create
from tests.factories import UserFactory, grant

from .helpers import confirmed_closures, credential

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "central"])


def _user(role, office_code, office, **kwargs):
    user = UserFactory(**kwargs)
    grant(user, role, office(office_code) if office_code else None)
    return user


def _push_form(office, **over):
    today = timezone.localdate()
    data = {
        "office": office.pk,
        "confirmed_from": (today - timedelta(days=1)).isoformat(),
        "confirmed_to": today.isoformat(),
        "unit_code": "",
        "book_number": "",
    }
    data.update(over)
    return data


@pytest.mark.parametrize("role", ["collection_officer", "it_staff", "receiving_officer"])
def test_only_holders_of_the_transfer_right_open_manual_push(
    client, reference_data_tx, office, role
):
    client.force_login(_user(role, "0101", office))
    assert client.get(reverse("closure_sync:push")).status_code == 403
    resp = client.post(reverse("closure_sync:push"), _push_form(office("0101"), answer="yes"))
    assert resp.status_code == 403
    assert not PushJob.objects.exists()


def test_the_transfer_right_is_per_office(client, reference_data_tx, office, central):
    operator = _user("closure_operator", "0101", office)
    confirmed_closures(3, office=office("0102"))
    client.force_login(operator)
    resp = client.post(reverse("closure_sync:push"), _push_form(office("0102"), answer="yes"))
    assert resp.status_code == 200  # the form refuses an office outside the right
    assert "office" in resp.context["form"].errors
    assert not PushJob.objects.exists()


def test_manual_push_preview_confirm_and_summary(client, reference_data_tx, office, central):
    operator = _user("closure_operator", "0101", office)
    confirmed_closures(4, office=office("0101"), unit_code="TZH490L")
    confirmed_closures(2, office=office("0101"), unit_code="DV0012A")
    push.closure_push_due()  # all six are already at the central store
    confirmed_closures(3, office=office("0101"), unit_code="TZH490L", push_next_at=None)
    client.force_login(operator)
    preview = client.post(
        reverse("closure_sync:push"), _push_form(office("0101"), unit_code="TZH490L")
    )
    assert preview.context["preview"]["total"] == 7
    assert preview.context["preview"]["not_pushed"] == 3
    assert not PushJob.objects.exists()
    no = client.post(
        reverse("closure_sync:push"), _push_form(office("0101"), unit_code="TZH490L", answer="no")
    )
    assert no.status_code == 302 and not PushJob.objects.exists()
    yes = client.post(
        reverse("closure_sync:push"), _push_form(office("0101"), unit_code="TZH490L", answer="yes")
    )
    job = PushJob.objects.get()
    assert yes["Location"] == reverse("closure_sync:job", args=[job.pk])
    status = client.get(reverse("closure_sync:job-status", args=[job.pk])).json()
    assert (status["state"], status["percent"]) == ("done", 100)
    assert (status["pushed"], status["already"], status["failed"]) == (3, 4, 0)
    assert AuditEntry.objects.filter(action="closure.manual_job_created").count() == 1
    assert AuditEntry.objects.filter(action="closure.manual_job_finished").count() == 1
    other = _user("closure_operator", "0102", office)
    client.force_login(other)
    assert client.get(reverse("closure_sync:job", args=[job.pk])).status_code == 404


def test_manual_push_reports_failures_with_reasons(client, reference_data_tx, office, central):
    operator = _user("closure_operator", "0101", office)
    [bad] = confirmed_closures(1, office=office("0101"), push_next_at=None)
    ClosureRecord.objects.filter(pk=bad.pk).update(unit_code="")
    client.force_login(operator)
    client.post(reverse("closure_sync:push"), _push_form(office("0101"), answer="yes"))
    job = PushJob.objects.get(kind=JobKind.MANUAL)
    assert job.failed == 1
    assert "rejected" in job.failures[0]["reason"]


def test_backfill_job_from_the_page(client, reference_data_tx, office, central):
    operator = _user("closure_operator", "0101", office)
    confirmed_closures(5, office=office("0101"), push_next_at=None)
    client.force_login(operator)
    resp = client.post(
        reverse("closure_sync:backfill"), {"office": office("0101").pk, "since": "2008-01-01"}
    )
    job = PushJob.objects.get(kind=JobKind.BACKFILL)
    assert resp["Location"] == reverse("closure_sync:job", args=[job.pk])
    job.refresh_from_db()
    assert job.pushed == 5


def test_lookup_is_scoped_to_the_offices_in_reach(client, reference_data_tx, office, central):
    confirmed_closures(2, office=office("0101"), unit_code="CHUNG01")
    confirmed_closures(3, office=office("0102"), unit_code="CHUNG01")
    push.closure_push_due()
    local = _user("collection_officer", "0101", office)
    client.force_login(local)
    found = client.get(reverse("closure_sync:lookup"), {"unit_code": "CHUNG01"})
    assert {r["office_code"] for r in found.context["result"]["results"]} == {"0101"}
    national = _user("central_it", None, office)
    client.force_login(national)
    found = client.get(reverse("closure_sync:lookup"), {"unit_code": "CHUNG01"})
    assert len(found.context["result"]["results"]) == 5
    client.force_login(_user("receiving_officer", "0101", office))
    assert client.get(reverse("closure_sync:lookup")).status_code == 403


def test_lookup_pages_results(client, reference_data_tx, office, central):
    confirmed_closures(25, office=office("0101"), unit_code="TRANG01")
    push.closure_push_due()
    client.force_login(_user("collection_officer", "0101", office))
    first = client.get(reverse("closure_sync:lookup"), {"unit_code": "TRANG01"})
    assert len(first.context["result"]["results"]) == 20 and first.context["result"]["has_next"]
    second = client.get(reverse("closure_sync:lookup"), {"unit_code": "TRANG01", "page": 2})
    assert len(second.context["result"]["results"]) == 5


def test_receive_copies_periods_once_and_refuses_present_ones(
    client, reference_data_tx, office, central
):
    [source] = confirmed_closures(1, office=office("0101"))
    push.closure_push_due()
    receiver = _user("collection_officer", "0102", office)
    client.force_login(receiver)
    shown = client.get(reverse("closure_sync:receive"), {"book_number": source.book_number})
    assert len(shown.context["held"]) == 1
    form = {
        "book_number": source.book_number,
        "office": office("0102").pk,
        "from_month": "2019-01",
        "to_month": "2019-12",
        "unit_code": "",
        "answer": "yes",
    }
    done = client.post(reverse("closure_sync:receive"), form)
    assert done.status_code == 302
    received = ClosureRecord.objects.get(office=office("0102"))
    period = received.periods.get()
    assert (period.from_month, period.to_month) == (date(2019, 1, 1), date(2019, 12, 1))
    assert received.received_from == f"{source.reference}@1"
    again = client.post(reverse("closure_sync:receive"), form)
    assert again.status_code == 200
    assert "closure.receive_present" in str(again.context["form"].non_field_errors())
    assert ClosureRecord.objects.filter(office=office("0102")).count() == 1
    assert AuditEntry.objects.filter(action="closure.received").count() == 1
    # Into an office where the user holds no receive right: refused by the form.
    form["office"] = office("0101").pk
    refused = client.post(reverse("closure_sync:receive"), form)
    assert "office" in refused.context["form"].errors


def test_confirmation_is_scoped_to_the_office(client, reference_data_tx, office):
    officer = _user("collection_officer", "0101", office)
    draft = closure_draft_create(
        actor=officer,
        office=office("0101"),
        book_number="0101000001",
        si_number="",
        full_name="Trần Văn An",
        birth_date=None,
        unit_code="TZH490L",
        kind="bhxh",
        periods=[Period(date(2020, 1, 1), date(2020, 6, 1), 5000000, 8)],
    )
    client.force_login(_user("collection_officer", "0102", office))
    assert client.post(reverse("closure_sync:confirm", args=[draft.pk])).status_code == 404
    client.force_login(officer)
    client.post(reverse("closure_sync:confirm", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == ClosureStatus.CONFIRMED and draft.confirmed_by == officer


def test_create_form_reports_bad_period_lines(client, reference_data_tx, office):
    client.force_login(_user("collection_officer", "0101", office))
    resp = client.post(
        reverse("closure_sync:create"),
        {
            "office": office("0101").pk,
            "book_number": "0101000002",
            "full_name": "Lê Thị Bình",
            "unit_code": "TZH490L",
            "kind": "bhxh",
            "periods": "01/2020-06/2020 5.000.000 8\nsai dòng",
        },
    )
    assert "periods" in resp.context["form"].errors
    assert not ClosureRecord.objects.exists()
    ok = client.post(
        reverse("closure_sync:create"),
        {
            "office": office("0101").pk,
            "book_number": "0101000002",
            "full_name": "Lê Thị Bình",
            "unit_code": "TZH490L",
            "kind": "bhxh",
            "periods": "01/2020-06/2020 5.000.000 8\n07/2020-12/2020 5.500.000 8",
        },
    )
    assert ok.status_code == 302
    assert ClosureRecord.objects.get().periods.count() == 2


def test_bulk_confirmation_command(reference_data_tx, office):
    officer = _user("collection_officer", "0101", office, username="thu_test")
    for i in range(3):
        closure_draft_create(
            actor=officer,
            office=office("0101"),
            book_number=f"01010000{i}",
            si_number="",
            full_name="Người lao động",
            birth_date=None,
            unit_code="TZH490L",
            kind="bhtn",
            periods=[Period(date(2020, 1, 1), date(2020, 6, 1), 5000000, 1)],
        )
    call_command("closure_confirm_bulk", "--office", "0101", "--user", "thu_test")
    assert ClosureRecord.objects.filter(status=ClosureStatus.CONFIRMED).count() == 3
    assert all(r.push_deadline for r in ClosureRecord.objects.all())


def test_credential_rotation_page(client, reference_data_tx, office, central, tmp_path, settings):
    client.force_login(_user("it_staff", "01", office))
    assert client.get(reverse("central:credentials")).status_code == 403
    admin = _user("central_it", None, office)
    client.force_login(admin)
    old = credential_file(settings.CLOSURE_CREDENTIALS_FILE).signing_key()
    confirmed_closures(1, office=office("0101"))
    push.closure_push_due()
    new = credential("K2027A", days_before=0)
    upload = SimpleUploadedFile("SMS.INI", credentials_render(new, old).encode())
    resp = client.post(
        reverse("central:credentials"), {"credential_file": upload, "install_client": "on"}
    )
    assert resp.status_code == 302
    page = client.get(reverse("central:credentials"))
    assert page.context["accepted"] == {"K2027A", old.key_id}
    assert [(u.office_code, u.key_id) for u in page.context["usage"]] == [("0101", old.key_id)]
    # The client re-read the replaced file: the next push uses the new key.
    confirmed_closures(1, office=office("0101"))
    push.closure_push_due()
    usage = client.get(reverse("central:credentials")).context["usage"]
    assert [(u.office_code, u.key_id) for u in usage] == [("0101", "K2027A")]
    assert CentralClosure.objects.using("central").count() == 2
    # Recorded in the central store's own log; nothing in the portal's audit log.
    rotated = CentralEvent.objects.using("central").get(action="credentials_rotated")
    assert (rotated.actor, rotated.target) == (admin.username, "K2027A")
    assert [k["key_id"] for k in rotated.data["keys"]] == ["K2027A", old.key_id]
    assert (
        CentralEvent.objects.using("central").filter(action="client_credentials_installed").exists()
    )
    assert not AuditEntry.objects.filter(action__startswith="central.").exists()
    bad = SimpleUploadedFile("SMS.INI", b"[current]\nkey_id = X\n")
    resp = client.post(reverse("central:credentials"), {"credential_file": bad})
    assert "central.credentials.invalid" in str(resp.context["form"].errors)
