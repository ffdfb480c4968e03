"""Demo data for the adoption and difficulty pages (called by ``demo.seed.seed_demo``).

Đồng Nai brings 90 % of its employers online, HCMC 27 %, Ba Đình's collection officer has
units to chase; a release is late in some provinces; a few difficulties await answers.
Idempotent: rows are found by their natural keys, audited services run only for what is new.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from accounts.selectors import office_resolve
from declarations.adoption.models import (
    AdoptionTarget,
    EmployerAssignment,
    PortalRelease,
    ReleaseDeployment,
)
from declarations.adoption.services import (
    adoption_target_set,
    employers_assign,
    release_deployment_record,
)
from declarations.difficulties.models import Difficulty
from declarations.difficulties.services import (
    difficulty_answer,
    difficulty_file,
    difficulty_forward,
)
from declarations.employers.models import Employer, Provider

# office code, unit-code prefix, how many employers, how many transact electronically
DEMO_UNITS = [
    ("7501", "DNB", 12, 11),
    ("7502", "DNL", 8, 7),
    ("7901", "HCS", 8, 2),
    ("7902", "HCT", 6, 1),
    ("0101", "HNB", 8, 4),
    ("0102", "HND", 5, 3),
]


def _employers(today) -> dict[str, list[Employer]]:
    made = {}
    for office_code, prefix, count, online in DEMO_UNITS:
        office = office_resolve(office_code)
        made[office_code] = []
        for i in range(count):
            registered = today - timedelta(days=20 + 33 * i) if i < online else None
            employer, _ = Employer.objects.update_or_create(
                unit_code=f"{prefix}{i + 1:03d}A",
                defaults={
                    "name": f"Công ty demo {prefix}-{i + 1}",
                    "tax_code": "0101300842",
                    "managing_office": office,
                    "wage_zone": "I",
                    "e_status": "active" if registered else "not_registered",
                    "e_registered_on": registered,
                    "contact_email": f"ketoan{i + 1}@{prefix.lower()}.example.vn",
                },
            )
            made[office_code].append(employer)
    return made


def _targets(admin, today) -> None:
    due = today.replace(month=12, day=31)
    for code, share in (("00", 90), ("75", 95), ("79", 90), ("01", 90), ("0101", 90)):
        office = office_resolve(code)
        if not AdoptionTarget.objects.filter(office=office, officer=None, due_on=due).exists():
            adoption_target_set(
                actor=admin, office=office, share=share, due_on=due, note="Chỉ tiêu năm"
            )
    officer = User.objects.get(username="thu_badinh")
    office = office_resolve("0101")
    if not AdoptionTarget.objects.filter(officer=officer, due_on=due).exists():
        adoption_target_set(actor=admin, office=office, officer=officer, share=80, due_on=due)


def _release(admin, today) -> None:
    release, created = PortalRelease.objects.get_or_create(
        version="2.3.0",
        defaults={
            "released_on": today - timedelta(days=30),
            "deploy_by": today - timedelta(days=10),
            "notes": "Bản cập nhật phần mềm tiếp nhận hồ sơ điện tử.",
        },
    )
    for code, days_after in (("01", 5), ("75", 8), ("79", 25)):
        province = office_resolve(code)
        if not ReleaseDeployment.objects.filter(release=release, province=province).exists():
            release_deployment_record(
                actor=admin,
                release=release,
                province=province,
                deployed_on=release.released_on + timedelta(days=days_after),
            )


def _difficulties(admin) -> None:
    filer = User.objects.get(username="donvi_tzh490l")
    employer = Employer.objects.get(unit_code="TZH490L")
    officer = User.objects.get(username="tiepnhan_badinh")
    if Difficulty.objects.filter(filed_by=filer).exists():
        return
    difficulty_file(
        actor=filer,
        employer=employer,
        category="signature",
        subject="Chữ ký số hết hạn khi nộp hồ sơ 600",
        description="Phần mềm báo chứng thư số hết hạn dù đã gia hạn tuần trước.",
    )
    answered = difficulty_file(
        actor=filer,
        employer=employer,
        category="software",
        subject="Không tải được tệp D02-LT",
        description="Tệp xlsx mẫu D02-LT báo lỗi định dạng ngày sinh.",
    )
    difficulty_answer(
        actor=officer,
        difficulty=answered,
        answer="Ngày sinh nhập theo dạng dd/mm/yyyy; tải lại mẫu mới nhất trên cổng.",
    )
    forwarded = difficulty_file(
        actor=filer,
        employer=employer,
        category="procedure",
        subject="Hồ sơ báo giảm bị trả lại",
        description="Hồ sơ 600a bị trả lại không rõ lý do.",
    )
    difficulty_forward(actor=officer, difficulty=forwarded, to="it", note="Nhờ CNTT kiểm tra.")
    vnpt_unit = Employer.objects.get(unit_code="DV0012A")
    if Provider.objects.filter(code="VNPT").exists():
        staff = User.objects.get(username="thu_badinh")
        d = difficulty_file(
            actor=staff,
            category="software",
            subject="Đơn vị không đăng nhập được phần mềm I-VAN",
            description=f"Đơn vị {vnpt_unit.unit_code} báo lỗi đăng nhập phần mềm VNPT.",
        )
        difficulty_forward(
            actor=officer,
            difficulty=d,
            to="provider",
            provider=Provider.objects.get(code="VNPT"),
        )


def seed_district_demo(*, admin: User) -> None:
    today = timezone.localdate()
    made = _employers(today)
    officer = User.objects.get(username="thu_badinh")
    unassigned = [e for e in made["0101"] if not EmployerAssignment.objects.filter(employer=e)]
    if unassigned:
        employers_assign(actor=admin, employers=unassigned, officer=officer)
    _targets(admin, today)
    _release(admin, today)
    _difficulties(admin)
