"""Demo data of the review: dossiers in every state in the demo office's receiving queue
(one overdue, one at risk, one awaiting a supplement, results issued, one to post).
Idempotent: dossiers are keyed by their demo transaction codes."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.utils import timezone

from accounts.selectors import office_resolve
from declarations.dossiers.models import Dossier, DossierFile
from declarations.employers.models import Employer
from declarations.intake.envelope import d02lt_build
from declarations.review.services import dossier_transition

OFFICE = "0101"
UNITS = [
    ("BD0101R", "Công ty CP Vận tải Ba Đình", "0101300842", "office"),
    ("BD0102P", "Công ty TNHH In Kim Mã", "0101300842", "post"),
]
# code, unit, procedure, days ago received, path of decisions (status, reasons)
DOSSIERS = [
    ("DEMO-RV-01", "BD0101R", "600", 12, []),
    ("DEMO-RV-02", "BD0101R", "600a", 5, [("in_review", [])]),
    ("DEMO-RV-03", "BD0102P", "600", 1, []),
    ("DEMO-RV-04", "BD0101R", "600", 3, [("in_review", []), ("supplement_requested", ["BS01"])]),
    ("DEMO-RV-05", "BD0102P", "600", 4, [("in_review", []), ("accepted", [])]),
    ("DEMO-RV-06", "BD0101R", "600a", 6, [("in_review", []), ("rejected", ["TC04"])]),
]


def review_demo_seed(*, actor) -> int:
    """Seed the demo queue; returns how many dossiers it added."""
    office = office_resolve(OFFICE)
    units = {}
    for code, name, mst, delivery in UNITS:
        units[code], _ = Employer.objects.update_or_create(
            unit_code=code,
            defaults={
                "name": name,
                "tax_code": mst,
                "managing_office": office,
                "address": "Ba Đình, Hà Nội",
                "postal_address": f"{name}, số 5 Kim Mã, Ba Đình, Hà Nội",
                "result_delivery": delivery,
                "wage_zone": "I",
                "contact_email": f"ketoan@{code.lower()}.example.vn",
            },
        )
    added = 0
    now = timezone.now()
    for code, unit, procedure, days_ago, path in DOSSIERS:
        if Dossier.objects.filter(transaction_code=code).exists():
            continue
        dossier = Dossier.objects.create(
            employer=units[unit],
            procedure_code=procedure,
            period=timezone.localdate().strftime("%m/%Y"),
            transaction_code=code,
            channel="portal",
            received_at=now - timedelta(days=days_ago),
            content_sha256=hashlib.sha256(code.encode()).hexdigest(),  # one dossier per bytes
            worker_count=3,
        )
        _list_attach(dossier, code, procedure)
        for status, reasons in path:
            dossier = dossier_transition(
                actor=actor,
                dossier=dossier,
                to=status,
                reasons=reasons,
                note="Dữ liệu mẫu" if reasons else "",
            )
        added += 1
    return added


WORKERS = [("Phạm Văn Hùng", "1"), ("Đỗ Thị Lan", "0"), ("Vũ Minh Tuấn", "1")]


def _list_attach(dossier, code: str, procedure: str) -> None:
    """The dossier's D02-LT (kept as the file's bytes), so an acceptance builds its people,
    book and cards as a real one does."""
    month = dossier.period
    serial = int(code.rsplit("-", 1)[-1])
    rows = [
        {
            "HoTen": name,
            "MasoBHXH": f"01{serial:04d}{i:04d}",
            "NgaySinh": f"1{i}/0{i + 3}/199{i}",
            "GioiTinh": sex,
            "CMND": f"0010{serial:04d}{i:04d}",
            "ChucVu": "Nhân viên",
            "NoiLamViec": "Ba Đình, Hà Nội",
            "TienLuong": str(6_500_000 + 250_000 * i),
            "TuThang": month,
            "PA": "TM" if procedure == "600" else "GH",
            "TyleDong": "32" if procedure == "600" else "",
        }
        for i, (name, sex) in enumerate(WORKERS, start=1)
    ]
    data = d02lt_build(rows)
    DossierFile.objects.create(
        dossier=dossier,
        position=0,
        form_code="D02-LT",
        name="D02-LT.xml",
        kind="xml",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
    )
