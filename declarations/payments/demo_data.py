"""Demo payments (``seed_demo``): this month's transfer of the demo unit, matched by the
unit code in its details, and one transfer nobody is identified for, waiting in the queue
of the unit's office. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from declarations.employers.models import Employer

from .models import ImportState, MatchMethod, Payment, PaymentImport, PaymentStatus


def payments_demo_seed(unit_code: str = "TZH490L", officer: str = "thu_badinh") -> int:
    """Store the demo statement once; returns how many transfers it stored (0 when done)."""
    unit = Employer.objects.select_related("managing_office").filter(unit_code=unit_code).first()
    actor = User.objects.filter(username=officer).first()
    if unit is None or actor is None or PaymentImport.objects.filter(sha256="demo").exists():
        return 0
    month = timezone.localdate().replace(day=1)
    now = timezone.now()
    imp = PaymentImport.objects.create(
        office=unit.managing_office,
        file_name=f"sao-ke-demo-{month:%m-%Y}.csv",
        file_format="csv",
        sha256="demo",
        state=ImportState.STORED,
        line_count=2,
        new_count=2,
        matched_count=1,
        total_amount=3_398_400 + 1_250_000,
        created_by=actor,
        stored_by=actor,
        stored_at=now,
    )
    Payment.objects.bulk_create(
        [
            Payment(
                employer=unit,
                unc_number=f"FT-DEMO-{month:%Y%m}-01",
                paid_on=month + timedelta(days=4),
                amount=3_398_400,
                payer_account="001100123456",
                payer_name=unit.name.upper(),
                description=f"BHXH {unit_code} T{month:%m/%Y} nop tien BHXH BHYT BHTN",
                status=PaymentStatus.MATCHED,
                match_method=MatchMethod.REFERENCE,
                matched_at=now,
                source=imp,
            ),
            Payment(
                unc_number=f"FT-DEMO-{month:%Y%m}-02",
                paid_on=month + timedelta(days=5),
                amount=1_250_000,
                payer_account="0099887766",
                payer_name="NGUYEN VAN AN",
                description="chuyen tien dong bao hiem",
                source=imp,
            ),
        ]
    )
    return 2
