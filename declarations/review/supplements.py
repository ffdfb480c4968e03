"""Supplements (hồ sơ bổ sung) as the reviewer sees them: each with its files and what it
changed in the D02-LT worker list (danh sách lao động) of the dossier it answers.

Two rows are the same worker when they have the same mã số BHXH; else the same CMND/CCCD
(a corrected mã số BHXH shows as a change); else the same STT, when neither number says
they are two different people (a new worker may have no mã số BHXH yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from declarations.dossiers.models import Dossier, DossierFile, NoticeKind
from declarations.employers.pki.parsing import hardened_parser, strip_bom
from declarations.intake.envelope import D02_FIELDS
from declarations.intake.procedures.d02lt import d02lt_rows

D02_CODES = ("D02-LT", "D02-TS")  # the list's code, and its older name
IDENTITIES = ("MasoBHXH", "CMND")
# The row number is the list's order, not the worker's data: renumbering is no change.
COMPARED = tuple(f for f in D02_FIELDS if f != "STT")


@dataclass(frozen=True)
class RowChange:
    """One worker in both lists whose data differ: ``fields`` as (field, before, after)."""

    before: dict
    after: dict
    fields: list[tuple[str, str, str]]


@dataclass
class RowChanges:
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def _contradict(a: dict, b: dict) -> bool:
    """Whether a number both rows carry says they are two different people."""
    return any(a.get(k) and b.get(k) and a[k] != b[k] for k in IDENTITIES)


def rows_compare(before: Iterable[dict], after: Iterable[dict]) -> RowChanges:
    """The rows of ``after`` added, removed and changed against ``before`` (rows as
    :func:`~declarations.intake.procedures.d02lt.d02lt_rows` yields them)."""
    before, after = list(before), list(after)
    pairs: dict[int, int] = {}  # index in after → index in before
    paired: set[int] = set()
    for key in (*IDENTITIES, "STT"):
        free: dict[str, int] = {}
        for i, row in enumerate(before):
            if i not in paired and row.get(key):
                free.setdefault(row[key], i)
        for j, row in enumerate(after):
            i = free.get(row.get(key)) if j not in pairs and row.get(key) else None
            if i is None or (key == "STT" and _contradict(before[i], row)):
                continue
            pairs[j] = i
            paired.add(i)
            del free[row[key]]
    changes = RowChanges()
    for j, row in enumerate(after):
        if j not in pairs:
            changes.added.append(row)
            continue
        old = before[pairs[j]]
        # The form's fields first, in its order, then any other a real list carries.
        other = sorted((old.keys() | row.keys()) - set(COMPARED) - {"STT", "_line", "_stt"})
        fields = [(f, old.get(f, ""), row.get(f, "")) for f in (*COMPARED, *other)]
        fields = [(f, a, b) for f, a, b in fields if a != b]
        if fields:
            changes.changed.append(RowChange(before=old, after=row, fields=fields))
    changes.removed = [row for i, row in enumerate(before) if i not in paired]
    return changes


def d02lt_of(dossier: Dossier) -> list[dict] | None:
    """The rows of the dossier's D02-LT list (None: it has none, or it cannot be read). The
    form was verified at intake; parsed with the hardened parser all the same."""
    found = next((f for f in dossier.files.all() if f.form_code in D02_CODES), None)
    if found is None or found.kind != "xml":
        return None
    try:
        root = etree.fromstring(strip_bom(found.data()), hardened_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    return list(d02lt_rows(root))


@dataclass(frozen=True)
class SupplementView:
    dossier: Dossier
    files: list[DossierFile]
    receipt: object | None
    has_list: bool
    changes: RowChanges | None  # None: no D02-LT in the supplement or in the original


def supplements_of(dossier: Dossier) -> list[SupplementView]:
    """The supplements received for ``dossier``, oldest first, each with what its D02-LT
    changed against the original's (three queries, plus one read of each envelope)."""
    received = list(
        dossier.supplements.filter(sandbox=dossier.sandbox)
        .order_by("received_at", "pk")
        .prefetch_related("files", "notices")
    )
    if not received:
        return []
    original_rows = d02lt_of(dossier)
    views = []
    for supplement in received:
        rows = d02lt_of(supplement)
        changes = None
        if rows is not None and original_rows is not None:
            changes = rows_compare(original_rows, rows)
        views.append(
            SupplementView(
                dossier=supplement,
                files=list(supplement.files.all()),
                receipt=next(
                    (n for n in supplement.notices.all() if n.kind == NoticeKind.RECEIPT), None
                ),
                has_list=rows is not None,
                changes=changes,
            )
        )
    return views
