"""The closure pages work the first time, on the embedded default (SQLite) as on
PostgreSQL: the development credential file for both sides, confirm → push, backfill,
lookup and receive; errors shown as a coded Vietnamese message without technical detail;
ISO values in date inputs; SVG numbers with a dot; the closure operator's own pages."""

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Office, User
from central.models import CentralClosure, CentralCredential
from closure_protocol.credentials import credential_file
from closure_sync import errors, jobs, push, tasks
from closure_sync.forms import BackfillForm, ClosureDraftForm, LookupForm, ManualPushForm
from closure_sync.models import (
    ClosureOrigin,
    ClosureRecord,
    ClosureStatus,
    JobKind,
    JobState,
    PushJob,
    PushState,
)
from demo.closures import seed_closures
from tests.factories import UserFactory, grant

from .helpers import confirmed_closures, credential, write_credentials

TX = pytest.mark.django_db(transaction=True, databases=["default", "central"])
# What must never reach a page: exception names, OS errors, the central store's English.
LEAKS = ("Errno", "Error:", "Traceback", "No such file", "credential file", "HTTP 5")


def _operator(office):
    user = UserFactory()
    grant(user, "closure_operator", office("0101"))
    return user


def _no_leak(html: str, *extra: str) -> None:
    for leak in (*LEAKS, *extra):
        assert leak not in html, leak


@TX
def test_demo_central_links_both_sides_and_the_operator_walks_every_closure_page(
    reference_data_tx, office, central, settings, tmp_path, client
):
    """``manage.py demo_central`` (run by scripts/dev.sh) writes one private key file for
    the portal and the central store and seeds a moved worker; then confirm → push,
    backfill, lookup and receive all work for the demo's closure operator."""
    path = tmp_path / "var" / "central-credentials.dev.ini"
    settings.CLOSURE_CREDENTIALS_FILE = settings.CENTRAL_CREDENTIALS_FILE = str(path)
    call_command("demo_central")
    key = credential_file(str(path)).signing_key()
    assert path.stat().st_mode & 0o777 == 0o600
    call_command("demo_central")  # run again (every dev.sh start): same key, no new rows
    assert credential_file(str(path)).signing_key() == key
    assert CentralClosure.objects.using("central").filter(office_code="7901").count() == 2

    client.force_login(_operator(office))
    home = office("0101")
    created = client.post(
        reverse("closure_sync:create"),
        {
            "office": home.pk,
            "book_number": "0101999001",
            "si_number": "",
            "full_name": "Hoàng Văn Nam",
            "birth_date": "1990-02-03",
            "unit_code": "TZH490L",
            "kind": "bhxh",
            "periods": "01/2020-12/2024 6.000.000 8",
        },
    )
    record = ClosureRecord.objects.get(book_number="0101999001")
    assert created["Location"] == reverse("closure_sync:detail", args=[record.pk])
    client.post(reverse("closure_sync:confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.push_state == PushState.PUSHED and record.central_receipt

    at = timezone.make_aware(datetime(2010, 3, 15, 9))
    confirmed_closures(
        4, office=home, confirmed_at=at, origin=ClosureOrigin.HISTORY, push_next_at=None
    )
    started = client.post(
        reverse("closure_sync:backfill"), {"office": home.pk, "since": "2008-01-01"}
    )
    job = PushJob.objects.get(kind=JobKind.BACKFILL)
    assert started["Location"] == reverse("closure_sync:job", args=[job.pk])
    status = client.get(reverse("closure_sync:job-status", args=[job.pk])).json()
    assert (status["state"], status["pushed"], status["failed"]) == ("done", 4, 0)

    found = client.get(reverse("closure_sync:lookup"), {"book_number": "0101999001"})
    assert [r["receipt"] for r in found.context["result"]["results"]] == [record.central_receipt]
    shown = found.content.decode()  # dates as people read them, not the API's ISO text
    assert timezone.localdate().strftime("%d/%m/%Y") in shown and "01/2020 → 12/2024" in shown

    held = client.get(reverse("closure_sync:receive"), {"book_number": "7901234570"})
    assert held.status_code == 200 and len(held.context["held"]) == 2
    received = client.post(
        reverse("closure_sync:receive"),
        {
            "book_number": "7901234570",
            "office": home.pk,
            "from_month": "2015-01",
            "to_month": "2024-06",
            "unit_code": "",
            "answer": "yes",
        },
    )
    assert received.status_code == 302
    assert (
        ClosureRecord.objects.filter(
            office=home, book_number="7901234570", origin=ClosureOrigin.RECEIVED
        ).count()
        == 2
    )

    compliance = client.get(reverse("closure_sync:compliance"))
    assert compliance.status_code == 200 and "<svg" in compliance.content.decode()


@TX
def test_demo_central_registers_the_key_when_the_central_store_has_no_file(
    reference_data_tx, settings, tmp_path
):
    settings.CLOSURE_CREDENTIALS_FILE = str(tmp_path / "client.ini")
    settings.CENTRAL_CREDENTIALS_FILE = ""
    call_command("demo_central")
    key = credential_file(settings.CLOSURE_CREDENTIALS_FILE).signing_key()
    assert CentralCredential.objects.using("central").filter(key_id=key.key_id).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["closure_sync:lookup", "closure_sync:receive"])
def test_a_missing_credential_file_is_a_coded_message_without_the_path(
    reference_data, office, client, settings, tmp_path, page
):
    settings.CLOSURE_CREDENTIALS_FILE = str(tmp_path / "deploy" / "central-credentials.ini")
    client.force_login(_operator(office))
    html = client.get(reverse(page), {"book_number": "0101234567"}).content.decode()
    assert "[closure.credentials_unusable] Thiếu tệp khóa kết nối kho trung ương" in html
    _no_leak(html, str(tmp_path), "central-credentials.ini", "deploy")


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["closure_sync:lookup", "closure_sync:receive"])
def test_an_unreachable_central_store_is_a_coded_message_without_the_exception(
    reference_data, office, client, settings, tmp_path, page
):
    settings.CLOSURE_CREDENTIALS_FILE = str(write_credentials(tmp_path / "c.ini", credential()))
    settings.CLOSURE_CENTRAL_URL = "http://127.0.0.1:9"  # nothing listens: refused
    client.force_login(_operator(office))
    html = client.get(reverse(page), {"book_number": "0101234567"}).content.decode()
    assert "[closure.central_unavailable] Hiện không kết nối được kho trung ương" in html
    _no_leak(html, "ConnectError", "127.0.0.1:9")


@TX
def test_a_failed_push_keeps_the_detail_and_shows_only_the_code_s_message(
    reference_data_tx, office, client, settings, credentials_file
):
    settings.CLOSURE_CENTRAL_URL = "http://127.0.0.1:9"
    [record] = confirmed_closures(1, office=office("0101"))
    assert push.closure_push_due().failed == 1
    record.refresh_from_db()
    assert record.push_state == PushState.FAILED
    assert record.push_error_code == errors.UNAVAILABLE
    assert "ConnectError" in record.push_error  # for administrators and the log
    client.force_login(_operator(office))
    html = client.get(reverse("closure_sync:detail", args=[record.pk])).content.decode()
    assert "[closure.central_unavailable] Hiện không kết nối được kho trung ương" in html
    _no_leak(html, "ConnectError")


@TX
def test_a_record_refused_by_the_central_store_shows_the_code_s_message(
    reference_data_tx, office, client, central
):
    [bad] = confirmed_closures(1, office=office("0101"), push_next_at=None)
    ClosureRecord.objects.filter(pk=bad.pk).update(unit_code="")
    client.force_login(_operator(office))
    today = timezone.localdate()
    client.post(
        reverse("closure_sync:push"),
        {
            "office": office("0101").pk,
            "confirmed_from": (today - timedelta(days=1)).isoformat(),
            "confirmed_to": today.isoformat(),
            "answer": "yes",
        },
    )
    job = PushJob.objects.get()
    status = client.get(reverse("closure_sync:job-status", args=[job.pk])).json()
    [failure] = status["failures"]
    assert failure["message"].startswith("[closure.push_rejected] Kho trung ương xác định")
    page = client.get(reverse("closure_sync:job", args=[job.pk])).content.decode()
    assert "[closure.push_rejected]" in page
    _no_leak(page + str(status), "rejected:", "is missing or too long")


@TX
def test_a_job_that_stops_on_an_error_is_failed_not_running_forever(
    reference_data_tx, office, client, central, monkeypatch
):
    operator = _operator(office)
    confirmed_closures(3, office=office("0101"), push_next_at=None)
    today = timezone.localdate()
    job = PushJob.objects.create(
        kind=JobKind.MANUAL,
        office=office("0101"),
        created_by=operator,
        filters={
            "confirmed_from": today.isoformat(),
            "confirmed_to": today.isoformat(),
            "unit_code": "",
            "book_number": "",
        },
        total=3,
    )

    def broken(ids):
        raise RuntimeError("boom in /srv/portal/closure_sync/push.py")

    monkeypatch.setattr(jobs, "claimed_push", broken)
    with pytest.raises(RuntimeError):
        tasks.closure_push_job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.error) == (JobState.FAILED, errors.JOB_FAILED)
    client.force_login(operator)
    status = client.get(reverse("closure_sync:job-status", args=[job.pk])).json()
    assert status["state"] == "failed"
    assert status["error"].startswith("[closure.job_failed] ")
    _no_leak(str(status), "boom", "/srv/")
    monkeypatch.undo()
    assert jobs.push_job_take(job_id=job.pk)  # taken again, it goes on from its cursor
    assert jobs.push_job_run(job=PushJob.objects.get(pk=job.pk)).pushed == 3


@pytest.mark.django_db
def test_every_date_input_renders_its_value_in_iso_form(reference_data, office, client):
    """A value of an ``<input type=date>`` in dd/mm/yyyy leaves the field empty in the
    browser, which then refuses to submit the form."""
    offices = Office.objects.all()
    day = date(2026, 3, 9)
    forms = [
        BackfillForm(offices=offices),
        ManualPushForm(offices=offices, initial={"confirmed_from": day, "confirmed_to": day}),
        LookupForm(initial={"confirmed_on": day}),
        ClosureDraftForm(offices=offices, initial={"birth_date": day}),
    ]
    with translation.override("vi"):
        html = "".join(str(f) for f in forms)
    values = re.findall(r'<input type="date" name="\w+" value="([^"]*)"', html)
    assert values and set(values) == {"2008-01-01", "2026-03-09"}, values
    client.force_login(_operator(office))
    page = client.get(reverse("closure_sync:push")).content.decode()
    assert 'value="2008-01-01"' in page and "01/01/2008" not in page


@pytest.mark.django_db
def test_compliance_chart_writes_svg_numbers_with_a_dot(reference_data, office, client):
    start = timezone.now() - timedelta(days=3)
    records = confirmed_closures(3, office=office("0101"), confirmed_at=start)
    ClosureRecord.objects.filter(pk__in=[r.pk for r in records[:2]]).update(
        push_state=PushState.PUSHED, pushed_at=start + timedelta(hours=1)
    )
    client.force_login(_operator(office))
    html = client.get(reverse("closure_sync:compliance")).content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    numbers = re.findall(r'\b(?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d+)?%?", n) for n in numbers), numbers
    assert any("." in n for n in numbers)  # 66.7 % makes fractional coordinates
    assert "66,7%" in svg  # the label is text for people: Vietnamese decimal comma


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["closure_sync:list", "closure_sync:create", "closure_sync:compliance", "closure_sync:push"],
)
def test_the_closure_operator_opens_the_closure_pages(reference_data, office, client, name):
    client.force_login(_operator(office))
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.django_db
def test_the_closure_operator_confirms_only_in_the_own_office(reference_data, office, client):
    other = confirmed_closures(1, office=office("0102"))[0]
    ClosureRecord.objects.filter(pk=other.pk).update(status=ClosureStatus.DRAFT)
    client.force_login(_operator(office))
    assert client.get(reverse("closure_sync:detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("closure_sync:confirm", args=[other.pk])).status_code == 404


@pytest.mark.django_db
def test_the_seeded_failed_record_shows_a_coded_message(reference_data, office, client):
    seed_closures(actor=User.objects.create(username="demo-admin"))
    failed = ClosureRecord.objects.get(reference="DEMO-0101-0003")
    client.force_login(_operator(office))
    html = client.get(reverse("closure_sync:detail", args=[failed.pk])).content.decode()
    assert "[closure.central_unavailable] Hiện không kết nối được kho trung ương" in html
    _no_leak(html, "ConnectError", "Connection refused")


@pytest.mark.django_db(databases=["default", "central"])
def test_a_malformed_credential_upload_is_refused_in_vietnamese(reference_data, client):
    it = UserFactory()
    grant(it, "central_it")
    client.force_login(it)
    bad = SimpleUploadedFile("sms.ini", b"[current]\nkey_id = X\n")
    page = client.post(reverse("central:credentials"), {"credential_file": bad})
    html = page.content.decode()
    assert "[central.credentials.invalid] Tệp không phải là tệp khóa kết nối hợp lệ" in html
    _no_leak(html, "lacks")


def test_psycopg_is_used_only_by_the_postgresql_modules():
    """Code written for PostgreSQL lives in modules of its own (``pg.py``), each with an
    ORM version beside it, so the embedded default (SQLite) never reaches it."""
    root = Path(__file__).resolve().parents[2]
    apps = ("accounts", "core", "declarations", "ivan", "closure_sync", "central", "portal")
    users = sorted(
        str(path.relative_to(root))
        for app in apps
        for path in (root / app).rglob("*.py")
        if re.search(r"^\s*(import|from) psycopg\b", path.read_text(encoding="utf-8"), re.M)
    )
    assert users == [
        "central/pg.py",
        "closure_sync/imports/pg.py",
        "closure_sync/pg.py",
        "portal/settings/pg.py",  # the pooler's libpq check, for PostgreSQL set-ups only
    ]
