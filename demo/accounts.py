"""Demo data for the accounts features (called from ``demo.seed.seed_demo``).

Application rights for the demo staff, one pending personnel decision, a dormant account,
an outside-account request and a data request waiting for the leader. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from accounts import data_requests, lifecycle, provisioning
from accounts.models import (
    ApplicationGrant,
    BusinessApplication,
    DataRequest,
    OutsideAccountRequest,
    PersonnelDecision,
    User,
)
from accounts.selectors import office_resolve

DEMO_RIGHTS = {
    "tiepnhan_badinh": ["receiving", "lookup"],
    "thu_badinh": ["collection", "tst"],
    "chotso_badinh": ["closure_transfer", "lookup"],
    "cntt_hanoi": ["administration"],
    "quantri_hanoi": ["administration"],
}


def demo_since():
    """The demo staff have held their roles and rights since 1 January of last year, so
    the quarterly account report of the quarter just ended lists them as existing."""
    return timezone.localdate().replace(year=timezone.localdate().year - 1, month=1, day=1)


def seed_accounts_demo(*, admin: User, password: str) -> None:
    call_command("loaddata", "applications", verbosity=0)
    apps = {a.code: a for a in BusinessApplication.objects.all()}
    today = timezone.localdate()
    for username, codes in DEMO_RIGHTS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        office = lifecycle.user_office(user)
        for code in codes:
            if not ApplicationGrant.objects.filter(user=user, application_id=code).exists():
                lifecycle.application_grant(
                    actor=admin,
                    user=user,
                    application=apps[code],
                    office=office,
                    valid_from=demo_since(),
                )
    badinh = office_resolve("0101")
    leave = User.objects.filter(username="canbo_nghiphep").first()
    if leave is None:
        leave = provisioning.account_create(
            actor=admin,
            username="canbo_nghiphep",
            full_name="Trịnh Thu Trang",
            email="canbo_nghiphep@example.vn",
            office=badinh,
            applications=[apps["receiving"]],
        )
        leave.set_password(password)
        leave.save(update_fields=["password"])
    if not PersonnelDecision.objects.filter(user=leave).exists():
        lifecycle.decision_record(
            actor=admin,
            user=leave,
            number="215/QĐ-BHXH",
            signed_on=today,
            kind="maternity",
            effective_on=today + timedelta(days=7),
        )
    if not User.objects.filter(username="canbo_it_dung").exists():
        sleeper = provisioning.account_create(
            actor=admin,
            username="canbo_it_dung",
            full_name="Đặng Văn Lâu",
            email="canbo_it_dung@example.vn",
            office=office_resolve("0102"),
            applications=[apps["lookup"]],
        )
        User.objects.filter(pk=sleeper.pk).update(
            last_login=timezone.now() - timedelta(days=120),
            date_joined=timezone.now() - timedelta(days=400),
        )
    hn_admin = User.objects.filter(username="quantri_hanoi").first()
    if hn_admin is None:
        return
    if not OutsideAccountRequest.objects.exists():
        provisioning.outside_request_file(
            actor=hn_admin,
            office=office_resolve("01"),
            full_name="Lê Minh Kiểm",
            email="kiem.le@kiemtoan.example.vn",
            organisation="Kiểm toán Nhà nước khu vực I",
            application=apps["lookup"],
            reason="Kiểm toán báo cáo quyết toán năm",
            valid_until=today + timedelta(days=60),
        )
    if not DataRequest.objects.exists():
        letter = ContentFile(b"%PDF-1.4\n% demo letter\n", name="cong-van-demo.pdf")
        data_requests.data_request_file(
            actor=hn_admin,
            office=office_resolve("01"),
            letter_number="1520/BHXH-CNTT",
            letter_date=today,
            letter_file=letter,
            indicators=[
                {
                    "indicator": "e_transactions",
                    "period_from": today.replace(month=1, day=1),
                    "period_to": today.replace(day=1),
                    "breakdown": "office",
                    "filters": "",
                }
            ],
            purpose="Báo cáo UBND thành phố về giao dịch điện tử",
            recipient="Văn phòng UBND thành phố Hà Nội",
        )
