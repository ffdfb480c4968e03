"""Writes on closure records: draft, confirm (chốt sổ), correct, bulk confirm, receive (nhận)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import audit
from accounts.models import Office
from core.refusals import Refused, codes_register

from . import dispatch
from .models import (
    ClosureOrigin,
    ClosurePeriod,
    ClosureRecord,
    ClosureStatus,
    PushState,
)

log = structlog.get_logger(__name__)


codes_register(
    "closure",
    "Closure records (chốt sổ)",
    {
        "closure.periods_empty": _("A closure needs at least one period."),
        "closure.period_order": _("A period ends before it starts."),
        "closure.period_amount": _("Salary and rate must be positive."),
        "closure.period_overlap": _("Two periods overlap."),
        "closure.not_draft": _("This closure is already confirmed."),
        "closure.correct_unconfirmed": _("Only the confirmed current version can be corrected."),
        "closure.correction_exists": _("A newer version of this closure already exists."),
        "closure.receive_range": _("The month range is reversed."),
        "closure.receive_present": _(
            "Periods from {start} to {end} are already present at this office."
        ),
        "closure.receive_nothing": _("The central store holds no periods for this choice."),
    },
)


@dataclass(frozen=True)
class Period:
    from_month: date
    to_month: date
    salary: Decimal
    rate: Decimal


def _check_periods(periods: list[Period]) -> None:
    if not periods:
        raise Refused("closure.periods_empty")
    ordered = sorted(periods, key=lambda p: p.from_month)
    for p in ordered:
        if p.to_month < p.from_month:
            raise Refused("closure.period_order")
        if p.salary <= 0 or not (0 < p.rate <= 100):
            raise Refused("closure.period_amount")
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.from_month <= a.to_month:
            raise Refused("closure.period_overlap")


def new_reference(office: Office) -> str:
    return f"{office.code}-{uuid.uuid4().hex[:16].upper()}"


@transaction.atomic
def closure_draft_create(
    *,
    actor,
    office: Office,
    book_number: str,
    si_number: str,
    full_name: str,
    birth_date: date | None,
    unit_code: str,
    kind: str,
    periods: list[Period],
    reference: str | None = None,
    version: int = 1,
) -> ClosureRecord:
    """A draft closure for one worker and kind (not yet confirmed, still editable)."""
    _check_periods(periods)
    record = ClosureRecord.objects.create(
        reference=reference or new_reference(office),
        version=version,
        office=office,
        book_number=book_number,
        si_number=si_number or book_number,
        full_name=full_name,
        birth_date=birth_date,
        unit_code=unit_code,
        kind=kind,
    )
    ClosurePeriod.objects.bulk_create(
        ClosurePeriod(
            record=record,
            from_month=p.from_month,
            to_month=p.to_month,
            salary=p.salary,
            rate=p.rate,
        )
        for p in periods
    )
    audit.record(actor, "closure.draft_created", record, office, {"reference": record.reference})
    return record


def deadline_for(confirmed_at) -> timezone.datetime:
    """The legal push deadline: the confirmation plus 2 days."""
    return confirmed_at + timedelta(hours=settings.CLOSURE_DEADLINE_HOURS)


def _confirm_fields(actor, now) -> dict:
    return {
        "status": ClosureStatus.CONFIRMED,
        "confirmed_on": timezone.localdate(now),
        "confirmed_at": now,
        "confirmed_by": actor,
        "push_state": PushState.PENDING,
        "push_next_at": now,
        "push_deadline": deadline_for(now),
    }


@transaction.atomic
def closure_confirm(*, actor, record: ClosureRecord, kick: bool = True) -> ClosureRecord:
    """Confirm a draft (chốt sổ): from now on the record is immutable and due for push.

    A confirmed correction supersedes the version it corrects.
    """
    now = timezone.now()
    updated = ClosureRecord.objects.filter(pk=record.pk, status=ClosureStatus.DRAFT).update(
        **_confirm_fields(actor, now)
    )
    if not updated:
        raise Refused("closure.not_draft")
    ClosureRecord.objects.filter(
        reference=record.reference, version__lt=record.version, status=ClosureStatus.CONFIRMED
    ).update(status=ClosureStatus.SUPERSEDED)
    record.refresh_from_db()
    audit.record(
        actor,
        "closure.confirmed",
        record,
        record.office,
        {"reference": record.reference, "version": record.version},
    )
    if kick:
        _kick_push([record.pk])
    return record


def _kick_push(ids: list[int]) -> None:
    def kick():
        try:
            dispatch.push_records_send(ids)
        except Exception:  # noqa: BLE001  (the beat sweep pushes it anyway)
            log.warning("closure_push_kick_failed", ids=ids, exc_info=True)

    transaction.on_commit(kick)


@transaction.atomic
def closure_correct(*, actor, record: ClosureRecord, periods: list[Period]) -> ClosureRecord:
    """A correction: a new draft version with the same reference (the old one stays as
    it is until the correction is confirmed, then it is superseded)."""
    if record.status != ClosureStatus.CONFIRMED:
        raise Refused("closure.correct_unconfirmed")
    latest = ClosureRecord.objects.filter(reference=record.reference).order_by("-version").first()
    if latest.pk != record.pk:
        raise Refused("closure.correction_exists")
    return closure_draft_create(
        actor=actor,
        office=record.office,
        book_number=record.book_number,
        si_number=record.si_number,
        full_name=record.full_name,
        birth_date=record.birth_date,
        unit_code=record.unit_code,
        kind=record.kind,
        periods=periods,
        reference=record.reference,
        version=record.version + 1,
    )


def closures_confirm_bulk(*, actor, office: Office, until: date, chunk: int = 500) -> int:
    """Confirm every draft of an office created up to ``until`` (the bulk command)."""
    done = 0
    while True:
        with transaction.atomic():
            drafts = list(
                ClosureRecord.objects.filter(
                    office=office, status=ClosureStatus.DRAFT, created_at__date__lte=until
                )
                .order_by("id")
                .select_for_update(skip_locked=True)[:chunk]
            )
            if not drafts:
                return done
            for record in drafts:
                closure_confirm(actor=actor, record=record, kick=False)
            _kick_push([r.pk for r in drafts])  # one push task per chunk
            done += len(drafts)


def _month(value: str) -> date:
    return date.fromisoformat(value).replace(day=1)


@transaction.atomic
def closure_receive(
    *,
    actor,
    office: Office,
    central_records: list[dict],
    book_number: str,
    from_month: date,
    to_month: date,
    unit_code: str = "",
) -> list[ClosureRecord]:
    """Copy the periods the central store holds for a book number into this office's
    records (nhận): only months in [from_month, to_month] and the unit chosen.

    Refused when any chosen period is already present at this office; receiving the same
    choice twice is therefore refused the second time and writes nothing.
    """
    if to_month < from_month:
        raise Refused("closure.receive_range")
    created = []
    candidates = [
        r
        for r in central_records
        if r["book_number"] == book_number and (not unit_code or r["unit_code"] == unit_code)
    ]
    for rec in candidates:
        periods = []
        for p in rec["periods"]:
            start, end = max(_month(p["from"]), from_month), min(_month(p["to"]), to_month)
            if start <= end:
                periods.append(Period(start, end, Decimal(p["salary"]), Decimal(p["rate"])))
        if not periods:
            continue
        clash = ClosurePeriod.objects.filter(
            record__office=office,
            record__book_number=book_number,
            record__kind=rec["kind"],
            record__status__in=[ClosureStatus.CONFIRMED, ClosureStatus.DRAFT],
        )
        for p in periods:
            if clash.filter(from_month__lte=p.to_month, to_month__gte=p.from_month).exists():
                raise Refused(
                    "closure.receive_present",
                    start=p.from_month.strftime("%m/%Y"),
                    end=p.to_month.strftime("%m/%Y"),
                )
        now = timezone.now()
        try:
            with transaction.atomic():
                record = ClosureRecord.objects.create(
                    reference=f"N{office.code}-{uuid.uuid4().hex[:14].upper()}",
                    version=1,
                    status=ClosureStatus.CONFIRMED,
                    origin=ClosureOrigin.RECEIVED,
                    office=office,
                    book_number=rec["book_number"],
                    si_number=rec["si_number"],
                    full_name=rec["full_name"],
                    birth_date=date.fromisoformat(rec["birth_date"]) if rec["birth_date"] else None,
                    unit_code=rec["unit_code"],
                    kind=rec["kind"],
                    confirmed_on=timezone.localdate(now),
                    confirmed_at=now,
                    confirmed_by=actor,
                    received_from=f"{rec['reference']}@{rec['version']}",
                    # Its data came from the central store, which holds it already.
                    push_state=PushState.PUSHED,
                    pushed_at=now,
                    central_receipt=rec["receipt"],
                )
        except IntegrityError:
            # Received meanwhile by another request (the unique source of a received record).
            raise Refused(
                "closure.receive_present",
                start=min(p.from_month for p in periods).strftime("%m/%Y"),
                end=max(p.to_month for p in periods).strftime("%m/%Y"),
            ) from None
        ClosurePeriod.objects.bulk_create(
            ClosurePeriod(
                record=record,
                from_month=p.from_month,
                to_month=p.to_month,
                salary=p.salary,
                rate=p.rate,
            )
            for p in periods
        )
        audit.record(
            actor,
            "closure.received",
            record,
            office,
            {
                "source": record.received_from,
                "book_number": book_number,
                "from": from_month.isoformat(),
                "to": to_month.isoformat(),
                "unit_code": unit_code,
            },
        )
        created.append(record)
    if not created:
        raise Refused("closure.receive_nothing")
    return created
