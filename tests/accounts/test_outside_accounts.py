"""Outside accounts: only from a request approved by a central leader; refused on every
other path (model, bulk insert, UI, admin, API, commands); they expire on their end date."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import provisioning
from accounts.models import (
    AccountKind,
    ApplicationGrant,
    AuditEntry,
    OutsideAccountRequest,
    User,
)
from accounts.selectors import office_resolve
from accounts.tasks import lifecycle_run
from core.outbox.models import OutboxMessage
from core.refusals import Refused

from .timeutil import vn

pytestmark = pytest.mark.django_db


def file_request(people, applications, **overrides):
    data = {
        "office": office_resolve("01"),
        "full_name": "Trần Thị Kiểm",
        "email": "kiem@kiemtoan.example.vn",
        "organisation": "Kiểm toán Nhà nước",
        "application": applications["lookup"],
        "reason": "Kiểm toán năm 2026",
        "valid_until": timezone.localdate() + timedelta(days=30),
    }
    data.update(overrides)
    return provisioning.outside_request_file(actor=people.hn_admin, **data)


# --- refusals, path by path -------------------------------------------------------------
def test_model_refuses_an_outside_account_without_a_request(db):
    with pytest.raises(Refused):
        User.objects.create(username="ngoai1", account_kind=AccountKind.OUTSIDE)
    with pytest.raises(Refused):
        User.objects.create_user("ngoai2", "n2@example.vn", "x", account_kind="outside")
    with pytest.raises(Refused):
        User.objects.create_superuser("ngoai3", "n3@example.vn", "x", account_kind="outside")
    assert not User.objects.exists()


def test_database_refuses_a_bulk_inserted_outside_account(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(username="ngoai4", account_kind=AccountKind.OUTSIDE)])


def test_model_refuses_a_pending_request_and_turning_staff_into_outside(people, applications):
    request = file_request(people, applications)
    with pytest.raises(Refused):
        User.objects.create(username="ngoai5", account_kind="outside", outside_request=request)
    people.officer.account_kind = AccountKind.OUTSIDE
    people.officer.outside_request = request
    with pytest.raises(Refused):
        people.officer.save()


def test_ui_refuses_an_outside_account(people, client):
    client.force_login(people.hn_admin)
    response = client.post(
        reverse("accounts:staff_new"),
        {
            "username": "ngoai.ui",
            "full_name": "Người ngoài",
            "email": "ngoai@example.vn",
            "account_kind": "outside",
            "office": office_resolve("0101").pk,
        },
    )
    assert response.status_code == 200
    assert "ACC-OUTSIDE-APPROVAL" in response.content.decode()
    assert not User.objects.filter(username="ngoai.ui").exists()


def test_ui_creates_a_staff_account_in_scope_and_audits_it(people, client, applications):
    client.force_login(people.hn_admin)
    response = client.post(
        reverse("accounts:staff_new"),
        {
            "username": "canbo.moi",
            "full_name": "Cán bộ Mới",
            "email": "canbo.moi@bhxh.gov.vn",
            "account_kind": "staff",
            "office": office_resolve("0102").pk,
            "role": "receiving_officer",
            "applications": ["receiving", "lookup"],
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="canbo.moi")
    assert not user.has_usable_password()
    assert sorted(
        ApplicationGrant.objects.filter(user=user).values_list("application", flat=True)
    ) == ["lookup", "receiving"]
    assert AuditEntry.objects.filter(action="account.created", target_id=str(user.pk)).exists()
    assert OutboxMessage.objects.filter(key=f"account-welcome-{user.pk}").exists()


def test_ui_refuses_an_office_of_another_province(people, client):
    client.force_login(people.th_admin)
    response = client.post(
        reverse("accounts:staff_new"),
        {
            "username": "canbo.x",
            "full_name": "X",
            "email": "x@bhxh.gov.vn",
            "account_kind": "staff",
            "office": office_resolve("0101").pk,
        },
    )
    assert response.status_code == 200  # not a choice for Thanh Hóa
    assert not User.objects.filter(username="canbo.x").exists()


def test_admin_refuses_an_outside_account(people, client):
    root = User.objects.create_superuser("root", "root@example.vn", "Mật-khẩu-Gốc#2026")
    client.force_login(root)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "ngoai.admin",
            "account_kind": "outside",
            "usable_password": "false",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert errors["account_kind"][0].code == "ACC-OUTSIDE-APPROVAL"
    assert not User.objects.filter(username="ngoai.admin").exists()
    ok = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "canbo.admin",
            "account_kind": "staff",
            "usable_password": "false",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert ok.status_code == 302, ok.context["adminform"].form.errors
    assert User.objects.get(username="canbo.admin").account_kind == "staff"


def test_admin_refuses_making_an_outside_account_an_administrator(people, applications, client):
    request = file_request(people, applications)
    user = provisioning.outside_request_approve(actor=people.leader, request=request)
    root = User.objects.create_superuser("root", "root@example.vn", "Mật-khẩu-Gốc#2026")
    client.force_login(root)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    page = client.get(url)
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update(
        {
            "username": user.username,
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "01/01/2026",
            "date_joined_1": "00:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    data.pop("password", None)
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors().as_data()
    assert errors[0].code == "ACC-OUTSIDE-ADMIN"
    user.refresh_from_db()
    assert not user.is_staff


def test_api_refuses_an_outside_account(people, client):
    client.force_login(people.hn_admin)
    url = "/tai-khoan/api/v1/users/"
    response = client.post(
        url,
        {"username": "ngoai.api", "account_kind": "outside", "office": "0101"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "ACC-OUTSIDE-APPROVAL"
    assert not User.objects.filter(username="ngoai.api").exists()
    created = client.post(
        url,
        {"username": "canbo.api", "office": "0101", "role": "receiving_officer"},
        content_type="application/json",
    )
    assert created.status_code == 201
    listed = {u["username"] for u in client.get(url).json()}
    assert {"canbo.api", "tiepnhan"} <= listed
    assert "qt_thanhhoa" not in listed


def test_api_refuses_other_provinces_and_people_without_the_right(people, client):
    client.force_login(people.th_admin)
    response = client.post(
        "/tai-khoan/api/v1/users/",
        {"username": "canbo.api2", "office": "0101"},
        content_type="application/json",
    )
    assert response.status_code == 403
    client.force_login(people.officer)
    assert client.get("/tai-khoan/api/v1/users/").status_code == 403


def test_command_refuses_an_outside_account(people):
    with pytest.raises(CommandError, match="ACC-OUTSIDE-APPROVAL"):
        call_command("account_create", "ngoai.cmd", "--office", "0101", "--outside")
    assert not User.objects.filter(username="ngoai.cmd").exists()
    call_command("account_create", "canbo.cmd", "--office", "0101", "--application", "lookup")
    assert User.objects.get(username="canbo.cmd").account_kind == "staff"


def test_createsuperuser_makes_agency_accounts_only(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Mật-khẩu-Gốc#2026")
    call_command("createsuperuser", interactive=False, username="root2", email="r@example.vn")
    root = User.objects.get(username="root2")
    assert root.account_kind == AccountKind.STAFF
    root.account_kind = AccountKind.OUTSIDE  # no approved request behind it
    with pytest.raises(Refused):
        root.save()


# --- the approved path ---------------------------------------------------------------------
def test_leader_approval_creates_the_account_with_rights_until_the_end_date(people, applications):
    request = file_request(people, applications)
    user = provisioning.outside_request_approve(actor=people.leader, request=request, note="Đồng ý")
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == people.leader
    assert user.account_kind == AccountKind.OUTSIDE and user.outside_request == request
    assert user.expires_on == request.valid_until
    grant = ApplicationGrant.objects.get(user=user)
    assert grant.application_id == "lookup" and grant.valid_to == request.valid_until
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "outside_request.approved" in actions and "account.created" in actions
    assert OutboxMessage.objects.filter(key=f"account-welcome-{user.pk}").exists()


def test_only_a_central_leader_approves(people, applications):
    request = file_request(people, applications)
    for who in (people.hn_admin, people.central_it, people.th_admin):
        with pytest.raises(ValidationError) as exc:
            provisioning.outside_request_approve(actor=who, request=request)
        assert exc.value.error_list[0].code == "ACC-OUTSIDE-APPROVER"
    assert not User.objects.filter(account_kind="outside").exists()


def test_a_request_is_decided_once(people, applications):
    request = file_request(people, applications)
    provisioning.outside_request_reject(actor=people.leader, request=request, note="Không")
    with pytest.raises(ValidationError):
        provisioning.outside_request_approve(actor=people.leader, request=request)


def test_request_pages_file_and_approve(people, applications, client):
    client.force_login(people.hn_admin)
    response = client.post(
        reverse("accounts:outside_new"),
        {
            "office": office_resolve("01").pk,
            "full_name": "Lê Văn Thanh Tra",
            "email": "thanhtra@example.vn",
            "organisation": "Thanh tra Chính phủ",
            "application": "lookup",
            "reason": "Thanh tra chuyên đề",
            "valid_until": (timezone.localdate() + timedelta(days=10)).isoformat(),
        },
    )
    request = OutsideAccountRequest.objects.get()
    assert response.status_code == 302
    # The provincial admin cannot approve through the page either.
    assert (
        client.post(reverse("accounts:outside_decide", args=[request.pk, "approve"])).status_code
        == 403
    )
    client.force_login(people.th_admin)
    assert client.get(reverse("accounts:outside_detail", args=[request.pk])).status_code == 404
    client.force_login(people.leader)
    assert "Lê Văn Thanh Tra" in client.get(reverse("accounts:outside_approvals")).content.decode()
    client.post(reverse("accounts:outside_decide", args=[request.pk, "approve"]), {"note": "OK"})
    request.refresh_from_db()
    assert request.status == "approved" and request.account.is_active


def test_outside_account_expires_after_its_end_date(people, applications):
    request = file_request(people, applications)
    user = provisioning.outside_request_approve(actor=people.leader, request=request)
    end = request.valid_until
    with time_machine.travel(vn(end, 23, 59), tick=False):
        lifecycle_run.delay()
        user.refresh_from_db()
        assert user.is_active
    with time_machine.travel(vn(end + timedelta(days=1), 0, 0, 5), tick=False):
        lifecycle_run.delay()
    user.refresh_from_db()
    assert not user.is_active
    assert AuditEntry.objects.get(action="account.locked", target_id=str(user.pk)).data[
        "reason"
    ] == ("outside account expired")


def test_a_username_with_spaces_is_refused_with_a_code(people):
    with pytest.raises(ValidationError) as exc:
        provisioning.account_create(
            actor=people.hn_admin,
            username="co dau cach",
            full_name="X",
            email="x@bhxh.gov.vn",
            office=office_resolve("0101"),
        )
    assert exc.value.error_list[0].code == "ACC-CREATE-USERNAME"
