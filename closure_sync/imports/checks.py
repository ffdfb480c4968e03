"""The check of a whole file, shared by the preview and the confirmation: each line is
checked on its own, then against its closure's other lines, then against what is stored.

Lines come out in batches, each marked new or already there; refused lines only count
and keep their problems. Memory stays flat: one batch, the current closure's lines, and a
set of 12-byte digests of the closures seen (to refuse a closure whose lines are apart)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from ..models import ClosurePeriod, ClosureRecord
from .lines import (
    BIRTH,
    COLUMNS,
    NAME,
    SI,
    Line,
    Problem,
    header_map,
    layout,
    line_check,
    month_text,
)
from .readers import FileRefused, rows_read

BATCH = 5000
PROBLEMS_KEPT = 500
NEW, ALREADY = "new", "already"


def closure_reference(office_code: str, line: Line) -> str:
    """The closure's reference, derived from its identity: the same closure imported
    again has the same reference, whichever file brings it."""
    key = f"{line.unit_code}|{line.book_number}|{line.kind}|{line.closed_on.isoformat()}"
    # 96 bits: two closures of one office sharing a reference is beyond any real count.
    return f"{office_code}-H{hashlib.blake2b(key.encode(), digest_size=12).hexdigest().upper()}"


@dataclass
class Tally:
    lines: int = 0
    new: int = 0
    already: int = 0
    refused: int = 0
    new_closures: int = 0
    problems: list[dict] = field(default_factory=list)
    _last_new_ref: str = ""

    def refuse(self, problems: list[Problem]) -> None:
        self.refused += 1
        room = PROBLEMS_KEPT - len(self.problems)
        self.problems.extend(p.as_dict() for p in problems[: max(room, 0)])

    def count(self, status: str, ref: str) -> None:
        if status == ALREADY:
            self.already += 1
            return
        self.new += 1
        if ref != self._last_new_ref:
            self.new_closures += 1
            self._last_new_ref = ref


@dataclass
class _Closure:
    """The closure whose lines are being read (they follow each other)."""

    key: tuple
    ref: str
    first: Line
    periods: list[Line]


def _identity_problems(line: Line, first: Line) -> list[Problem]:
    out = []
    for column, a, b in (
        (SI, line.si_number, first.si_number),
        (NAME, line.full_name, first.full_name),
        (BIRTH, line.birth_date, first.birth_date),
    ):
        if a != b:
            out.append(
                Problem(
                    line.number,
                    column,
                    "closure_import.identity_mismatch",
                    {"field": column, "first": first.number},
                )
            )
    return out


def lines_checked(
    fileobj, fmt: str, *, office_code: str, tally: Tally, today: date, exclude_import=None
) -> Iterator[list[tuple[Line, str, str]]]:
    """Batches of (line, closure reference, NEW or ALREADY) of the file's good lines;
    ``tally`` counts every line. ``exclude_import``: records this import itself stored
    (while confirming) are not "already there"."""
    header, rows = rows_read(fileobj, fmt)
    columns, missing = header_map(header)
    if missing:
        raise FileRefused(Problem(1, "", "closure_import.header", {"columns": ", ".join(missing)}))
    places = layout(columns)
    seen: set[bytes] = set()
    current: _Closure | None = None
    batch: list[tuple[Line, str]] = []
    for number, cells in rows:
        tally.lines += 1
        line, problems = line_check(number, cells, places, today)
        if line is None:
            tally.refuse(problems)
            continue
        key = line.closure_key
        if current is None or key != current.key:
            ref = closure_reference(office_code, line)
            digest = bytes.fromhex(ref.rsplit("-H", 1)[1])
            if digest in seen:
                tally.refuse([Problem(number, "", "closure_import.closure_split", {})])
                continue
            seen.add(digest)
            current = _Closure(key, ref, line, [])
        problems = _identity_problems(line, current.first)
        for other in current.periods:
            if line.from_month <= other.to_month and other.from_month <= line.to_month:
                problems.append(
                    Problem(number, "TuThang", "closure_import.overlap", {"first": other.number})
                )
                break
        if problems:
            tally.refuse(problems)
            continue
        current.periods.append(line)
        batch.append((line, current.ref))
        if len(batch) >= BATCH:
            yield _classified(batch, tally, exclude_import)
            batch = []
    if batch:
        yield _classified(batch, tally, exclude_import)
    if tally.lines == 0:
        raise FileRefused(Problem(1, "", "closure_import.empty", {}))


def _classified(batch, tally: Tally, exclude_import) -> list[tuple[Line, str, str]]:
    """Each line new, already there (same closure, same period) or refused (its closure
    is stored with other periods): one query for the batch's closures, one for their
    periods."""
    refs = {ref for _, ref in batch}
    stored_qs = ClosureRecord.objects.filter(reference__in=refs, version=1)
    if exclude_import is not None:
        stored_qs = stored_qs.exclude(source_import=exclude_import)
    stored = dict(stored_qs.values_list("reference", "id"))
    periods = {}
    if stored:
        for rid, start, end, salary, rate in ClosurePeriod.objects.filter(
            record_id__in=stored.values()
        ).values_list("record_id", "from_month", "to_month", "salary", "rate"):
            periods[(rid, start)] = (end, salary, rate)
    out = []
    for line, ref in batch:
        rid = stored.get(ref)
        if rid is None:
            status = NEW
        else:
            held = periods.get((rid, line.from_month))
            if held is None:
                tally.refuse([Problem(line.number, "", "closure_import.closure_stored", {})])
                continue
            if held != (line.to_month, line.salary, line.rate):
                end, salary, rate = held
                tally.refuse(
                    [
                        Problem(
                            line.number,
                            "",
                            "closure_import.period_differs",
                            {
                                "start": month_text(line.from_month),
                                "stored": f"{month_text(end)} {salary:f} {rate:f}",
                            },
                        )
                    ]
                )
                continue
            status = ALREADY
        tally.count(status, ref)
        out.append((line, ref, status))
    return out


__all__ = ["COLUMNS", "Tally", "lines_checked", "closure_reference", "NEW", "ALREADY"]
