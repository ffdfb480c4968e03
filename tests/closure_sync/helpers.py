"""Building closure records and credential files for the closure tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from closure_protocol.credentials import Credential, credentials_render
from closure_sync.models import (
    ClosureKind,
    ClosureOrigin,
    ClosurePeriod,
    ClosureRecord,
    ClosureStatus,
    PushState,
)


def credential(key_id="K2026A", *, days_before=30, days_after=90, secret=None) -> Credential:
    now = timezone.now()
    return Credential(
        key_id=key_id,
        secret=secret or f"secret-of-{key_id}-0123456789abcdef",
        valid_from=now - timedelta(days=days_before),
        valid_until=now + timedelta(days=days_after),
    )


def write_credentials(path, current: Credential, previous: Credential | None = None):
    path.write_text(credentials_render(current, previous), encoding="utf-8")
    return path


def confirmed_closures(
    n: int,
    *,
    office,
    confirmed_at=None,
    origin=ClosureOrigin.PORTAL,
    unit_code="TZH490L",
    book_prefix="01",
    kind=ClosureKind.BHXH,
    push_next_at="now",
) -> list[ClosureRecord]:
    """``n`` confirmed records due for push (bulk, as the collection system would write)."""
    at = confirmed_at or timezone.now()
    start = ClosureRecord.objects.count()
    records = ClosureRecord.objects.bulk_create(
        ClosureRecord(
            reference=f"{office.code}-T{start + i:08d}",
            version=1,
            status=ClosureStatus.CONFIRMED,
            origin=origin,
            book_number=f"{book_prefix}{start + i:08d}",
            si_number=f"{book_prefix}{start + i:08d}",
            full_name=f"Nguyễn Văn {start + i}",
            birth_date=date(1990, 1, 1),
            unit_code=unit_code,
            office=office,
            kind=kind,
            confirmed_on=timezone.localdate(at),
            confirmed_at=at,
            push_state=PushState.PENDING,
            push_next_at=at if push_next_at == "now" else push_next_at,
            push_deadline=at + timedelta(hours=48),
        )
        for i in range(n)
    )
    ClosurePeriod.objects.bulk_create(
        ClosurePeriod(
            record=r,
            from_month=date(2018, 1, 1),
            to_month=date(2020, 12, 1),
            salary=Decimal("5000000"),
            rate=Decimal("8.00"),
        )
        for r in records
    )
    return records
