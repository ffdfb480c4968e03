"""Demo data: offices and roles from the fixtures, one user per role, a few employers, then
each domain's part (``demo.district``, ``demo.accounts``, ``demo.employers``,
``demo.review``, ``demo.closures``).

Loading twice changes nothing (every row is found by its natural key first)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AccountKind, Membership, Role, User
from accounts.selectors import office_resolve
from declarations.employers.models import Employer, EmployerChannel, EmployerMember, Provider
from ivan.models import ProviderMember
from ivan.reference import ensure_providers_2015

from .accounts import demo_since, seed_accounts_demo
from .closures import seed_closures
from .district import seed_district_demo
from .employers import declarations_demo_seed
from .review import review_demo_seed


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    office_code: str | None
    kind: str = AccountKind.STAFF


DEMO_USERS = [
    DemoUser(
        "donvi_tzh490l",
        "Nguyễn Thị Lan (Công ty TNHH Minh Phát)",
        "employer_user",
        "0101",
        AccountKind.EMPLOYER,
    ),
    DemoUser(
        "ivan_vnpt", "Trần Văn Hùng (VNPT-Vinaphone)", "ivan_client", None, AccountKind.PROVIDER
    ),
    DemoUser("tiepnhan_badinh", "Lê Thu Hà", "receiving_officer", "0101"),
    DemoUser("thu_badinh", "Phạm Quốc Bảo", "collection_officer", "0101"),
    DemoUser("chotso_badinh", "Đỗ Minh Tuấn", "closure_operator", "0101"),
    DemoUser("cntt_hanoi", "Vũ Thanh Sơn", "it_staff", "01"),
    DemoUser("quantri_hanoi", "Hoàng Mai Anh", "provincial_admin", "01"),
    DemoUser("lanhdao_tw", "Ngô Đức Thắng", "central_leader", "00"),
    DemoUser("cntt_tw", "Bùi Hải Yến", "central_it", "00"),
]

DEMO_EMPLOYERS = [
    # unit code, name, MST, address, office, zone
    (
        "TZH490L",
        "Công ty TNHH Minh Phát",
        "0101300842",
        "12 Phan Đình Phùng, Ba Đình, Hà Nội",
        "0101",
        "I",
    ),
    (
        "DV0012A",
        "Công ty CP Dệt may Sài Gòn",
        "0301234562",
        "45 Lê Lợi, Sài Gòn, TP. Hồ Chí Minh",
        "7901",
        "I",
    ),
    (
        "TH0381B",
        "HTX Nông nghiệp Hạc Thành",
        "3800456781",
        "8 Lê Lai, Hạc Thành, Thanh Hóa",
        "3801",
        "II",
    ),
    (
        "HN0206C",
        "Công ty TNHH Phần mềm Đống Đa",
        "0104567890",
        "200 Tây Sơn, Đống Đa, Hà Nội",
        "0102",
        "I",
    ),
]


@transaction.atomic
def seed_demo() -> list[tuple[str, str, str]]:
    """Load the demo; return (username, role label, office) for each demo user."""
    call_command("loaddata", "offices", "roles", verbosity=0)
    ensure_providers_2015()
    providers = {p.code: p for p in Provider.objects.all()}
    employers = {}
    for unit_code, name, mst, address, office_code, zone in DEMO_EMPLOYERS:
        employers[unit_code], _ = Employer.objects.update_or_create(
            unit_code=unit_code,
            defaults={
                "name": name,
                "tax_code": mst,
                "address": address,
                "wage_zone": zone,
                "managing_office": office_resolve(office_code),
                "contact_email": f"ketoan@{unit_code.lower()}.example.vn",
            },
        )
    for unit_code in ("TZH490L", "DV0012A"):
        Employer.objects.filter(unit_code=unit_code, e_registered_on__isnull=True).update(
            e_status="active", e_registered_on=timezone.localdate().replace(month=1, day=1)
        )
    EmployerChannel.objects.update_or_create(
        employer=employers["DV0012A"], defaults={"provider": providers["VNPT"]}
    )

    admin, _ = User.objects.get_or_create(
        username="admin",
        defaults={"full_name": "Quản trị hệ thống", "is_staff": True, "is_superuser": True},
    )
    admin.set_password(settings.DEMO_PASSWORD)
    admin.save()
    rows = [("admin", "Superuser", "—")]
    start = demo_since()
    for spec in DEMO_USERS:
        user, _ = User.objects.get_or_create(
            username=spec.username,
            defaults={"full_name": spec.full_name, "email": f"{spec.username}@example.vn"},
        )
        user.set_password(settings.DEMO_PASSWORD)
        user.account_kind = spec.kind  # an employer's user is not agency staff
        user.save()
        role = Role.objects.get(pk=spec.role)
        office = office_resolve(spec.office_code) if spec.office_code else None
        if not Membership.objects.active().filter(user=user, role=role, office=office).exists():
            account_services.membership_grant(
                actor=admin, user=user, role=role, office=office, valid_from=start
            )
        if spec.role == "employer_user":
            EmployerMember.objects.get_or_create(employer=employers["TZH490L"], user=user)
        if spec.role == "ivan_client":
            ProviderMember.objects.get_or_create(provider=providers["VNPT"], user=user)
        rows.append((spec.username, role.name_vi, office.name if office else "—"))
    seed_district_demo(admin=admin)  # adoption targets, assignments, release, difficulties
    seed_accounts_demo(admin=admin, password=settings.DEMO_PASSWORD)
    declarations_demo_seed()  # demo PKI, certificates, signed dossiers through the CLI tools
    review_demo_seed(actor=User.objects.get(username="tiepnhan_badinh"))  # the office queue
    seed_closures(actor=admin)
    return rows
