"""Writing an import's new closures and periods, a batch at a time: the ORM everywhere,
PostgreSQL's COPY (:mod:`.pg`) where it runs."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ..models import ClosureOrigin, ClosurePeriod, ClosureRecord, ClosureStatus, PushState
from . import pg
from .lines import Line


def record_fields(line: Line, ref: str, *, office, actor, source, now, tz) -> dict:
    """A stored closure from its first line: confirmed on its closure date, from the
    collection system's history. One still within its 2 days is due for push now; older
    ones wait for the backfill since 2008, as history does."""
    confirmed_at = datetime.combine(line.closed_on, time(12), tzinfo=tz)
    deadline = confirmed_at + timedelta(hours=settings.CLOSURE_DEADLINE_HOURS)
    return {
        "reference": ref,
        "version": 1,
        "status": ClosureStatus.CONFIRMED,
        "origin": ClosureOrigin.HISTORY,
        "book_number": line.book_number,
        "si_number": line.si_number,
        "full_name": line.full_name,
        "birth_date": line.birth_date,
        "unit_code": line.unit_code,
        "office_id": office.pk,
        "kind": line.kind,
        "confirmed_on": line.closed_on,
        "confirmed_at": confirmed_at,
        "confirmed_by_id": actor.pk,
        "received_from": "",
        "source_import_id": source.pk,
        "created_at": now,
        "push_state": PushState.PENDING,
        "push_attempts": 0,
        "push_next_at": now if deadline > now else None,
        "push_deadline": deadline,
        "central_receipt": "",
        "push_error": "",
        "push_error_code": "",
    }


class BatchWriter:
    """Stores the new lines of each batch; remembers the id of the closure still being
    read, whose lines may go on in the next batch."""

    def __init__(self, *, office, actor, source):
        self.office, self.actor, self.source = office, actor, source
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.open_ref, self.open_id = "", 0
        self.closures = 0
        self.periods = 0

    def write(self, lines: list[tuple[Line, str]]) -> None:
        if not lines:
            return
        records, periods = [], []
        known = {self.open_ref: self.open_id} if self.open_ref else {}
        for line, ref in lines:
            if ref not in known and (not records or records[-1]["reference"] != ref):
                records.append(
                    record_fields(
                        line,
                        ref,
                        office=self.office,
                        actor=self.actor,
                        source=self.source,
                        now=self.now,
                        tz=self.tz,
                    )
                )
            periods.append((ref, line.from_month, line.to_month, line.salary, line.rate))
        if connection.vendor == "postgresql":
            ids = pg.closures_copy(records, periods, known)
        else:
            ids = _closures_orm(records, periods, known)
        last_ref = lines[-1][1]
        self.open_ref, self.open_id = last_ref, ids[last_ref]
        self.closures += len(records)
        self.periods += len(periods)


def _closures_orm(records: list[dict], periods: list[tuple], known: dict) -> dict[str, int]:
    """bulk_create: the portable way (SQLite returns the new ids too)."""
    created = ClosureRecord.objects.bulk_create(ClosureRecord(**r) for r in records)
    ids = {**known, **{r.reference: r.pk for r in created}}
    ClosurePeriod.objects.bulk_create(
        ClosurePeriod(record_id=ids[ref], from_month=a, to_month=b, salary=s, rate=r)
        for ref, a, b, s, r in periods
    )
    return ids
