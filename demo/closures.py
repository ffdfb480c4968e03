"""Demo closures: drafts to confirm, one close to its deadline, history to backfill."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts import audit
from accounts.selectors import office_resolve
from closure_sync import errors as closure_errors
from closure_sync.models import (
    ClosureOrigin,
    ClosurePeriod,
    ClosureRecord,
    ClosureStatus,
    PushState,
)

DEMO_CLOSURES = [
    # reference, book number, name, birth, kind, state, periods (from, to, salary, rate)
    ("DEMO-0101-0001", "0101234567", "Nguyễn Văn Minh", date(1988, 4, 12), "bhxh", "draft",
     [(date(2016, 1, 1), date(2019, 12, 1), 6_200_000, 8), (date(2020, 1, 1), date(2024, 6, 1), 8_500_000, 8)]),
    ("DEMO-0101-0002", "0101234568", "Trần Thị Hoa", date(1992, 9, 3), "bhtn", "draft",
     [(date(2018, 3, 1), date(2024, 8, 1), 7_000_000, 1)]),
    ("DEMO-0101-0003", "0101234569", "Lê Quang Huy", date(1985, 1, 30), "bhxh", "at_risk",
     [(date(2012, 5, 1), date(2025, 10, 1), 9_800_000, 8)]),
    ("DEMO-0101-H001", "0101100001", "Phạm Thị Thu", date(1975, 7, 7), "bhxh", "history",
     [(date(2003, 1, 1), date(2009, 12, 1), 1_800_000, 6)]),
    ("DEMO-0101-H002", "0101100002", "Đặng Văn Bình", date(1970, 2, 2), "bhxh", "history",
     [(date(1998, 6, 1), date(2011, 3, 1), 2_400_000, 7)]),
]  # fmt: skip


def seed_closures(*, actor) -> int:
    """Create the demo closures that do not exist yet; returns how many were created."""
    office = office_resolve("0101")
    created = 0
    now = timezone.now()
    for ref, book, name, birth, kind, state, periods in DEMO_CLOSURES:
        if ClosureRecord.objects.filter(reference=ref, version=1).exists():
            continue
        fields = {}
        if state == "at_risk":
            at = now - timedelta(hours=40)
            fields = {
                "status": ClosureStatus.CONFIRMED,
                "confirmed_on": timezone.localdate(at),
                "confirmed_at": at,
                "confirmed_by": actor,
                "push_state": PushState.FAILED,
                "push_attempts": 3,
                "push_next_at": now + timedelta(minutes=10),
                "push_deadline": at + timedelta(hours=48),
                # Three attempts while the central store was down (the page shows the code's
                # message; the detail is for administrators).
                "push_error_code": closure_errors.UNAVAILABLE,
                "push_error": "connection refused",
            }
        elif state == "history":
            at = timezone.make_aware(datetime(periods[-1][1].year + 1, 1, 15, 9))
            fields = {
                "status": ClosureStatus.CONFIRMED,
                "origin": ClosureOrigin.HISTORY,
                "confirmed_on": timezone.localdate(at),
                "confirmed_at": at,
                "push_deadline": at + timedelta(hours=48),
            }
        record = ClosureRecord.objects.create(
            reference=ref,
            book_number=book,
            si_number=book,
            full_name=name,
            birth_date=birth,
            unit_code="TZH490L",
            office=office,
            kind=kind,
            **fields,
        )
        ClosurePeriod.objects.bulk_create(
            ClosurePeriod(
                record=record, from_month=a, to_month=b, salary=Decimal(s), rate=Decimal(r)
            )
            for a, b, s, r in periods
        )
        audit.record(actor, "closure.demo_created", record, office, {"reference": ref})
        created += 1
    return created
