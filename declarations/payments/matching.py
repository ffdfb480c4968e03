"""Which unit a transfer is for (đối chiếu): by the payer's account and by the reference
in the transfer details.

- **Account**: the units known to pay from the payer's account — learnt when staff matched
  one of its transfers by hand (:class:`KnownAccount`), or declared by the unit itself
  (``Employer.bank_account``, procedure 604).
- **Reference**: a unit code (``TZH490L``) or a unit's tax code (10 digits, or 13 for a
  branch, written ``0101300842-001`` too) found in the details, case and spaces ignored:
  Vietnamese banks write "BHXH TZH490L T11/2026 …", "NOP BHXH DV TZH 490L …".

The decision (docs/payments-import.md): a single unit by reference wins, unless the
account points to a single *other* unit (conflicting evidence); otherwise a single unit by
account; otherwise nothing — the transfer waits in the queue, with the units either way
pointed to as its candidates."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, Value
from django.db.models.functions import Replace, Upper

from declarations.employers.models import Employer

from .lines import Transfer
from .models import KnownAccount, MatchMethod

_WORD = re.compile(r"[0-9A-Z]+")
_TAX = re.compile(r"(?<!\d)(\d{10})(?:\s*-\s*(\d{3}))?(?!\d)")
# Unit codes are short letters-and-digits; a run of up to three words glued together
# catches one written with spaces ("TZH 490L", "T Z H 4 9 0 L" is not worth chasing).
_MAX_GLUE = 3
_CODE_LENGTH = (4, 12)


@dataclass(frozen=True)
class Match:
    """The unit a transfer is matched to (or None) and every unit pointed to."""

    employer_id: int | None = None
    method: str = ""
    by_account: frozenset = field(default_factory=frozenset)
    by_reference: frozenset = field(default_factory=frozenset)

    @property
    def candidates(self) -> set[int]:
        return set(self.by_account | self.by_reference)


def reference_words(details: str) -> tuple[set[str], set[str]]:
    """(possible unit codes, possible tax codes) written in ``details``."""
    upper = details.upper()
    words = _WORD.findall(upper)
    codes: set[str] = set()
    for i in range(len(words)):
        glued = ""
        for word in words[i : i + _MAX_GLUE]:
            glued += word
            low, high = _CODE_LENGTH
            if low <= len(glued) <= high and any(c.isdigit() for c in glued):
                codes.add(glued)
    taxes = set()
    for ten, branch in _TAX.findall(re.sub(r"(?<=\d)[ .](?=\d)", "", upper)):
        taxes.add(ten + branch if branch and branch != "000" else ten)
    return codes, taxes


def _by_reference(transfers: Iterable[Transfer]) -> dict[int, set[int]]:
    """Line → ids of the units its details name, in one query for all lines."""
    wanted: dict[int, tuple[set[str], set[str]]] = {
        t.line: reference_words(t.details) for t in transfers
    }
    all_codes = set().union(*(c for c, _ in wanted.values())) if wanted else set()
    all_taxes = set().union(*(t for _, t in wanted.values())) if wanted else set()
    by_code: dict[str, set[int]] = {}
    by_tax: dict[str, set[int]] = {}
    if all_codes or all_taxes:
        rows = Employer.objects.filter(
            Q(unit_code__in=all_codes) | Q(tax_code__in=all_taxes)
        ).values_list("id", "unit_code", "tax_code")
        for pk, code, tax in rows:
            by_code.setdefault(code.upper(), set()).add(pk)
            by_tax.setdefault(tax, set()).add(pk)
    found: dict[int, set[int]] = {}
    for line, (codes, taxes) in wanted.items():
        ids: set[int] = set()
        for code in codes:
            ids |= by_code.get(code, set())
        for tax in taxes:
            ids |= by_tax.get(tax, set())
        found[line] = ids
    return found


def _by_account(transfers: Iterable[Transfer]) -> dict[str, set[int]]:
    """Account → ids of the units known to pay from it, in two queries for all lines."""
    accounts = {t.account for t in transfers if t.account}
    found: dict[str, set[int]] = {a: set() for a in accounts}
    if not accounts:
        return found
    for account, pk in KnownAccount.objects.filter(account__in=accounts).values_list(
        "account", "employer_id"
    ):
        found[account].add(pk)
    # The unit's declared account (604), compared as the statement writes it: letters and
    # digits only (the replacements run in the database, on SQLite as on PostgreSQL).
    written = Upper("bank_account")
    for sep in (" ", "-", ".", "\u00a0"):
        written = Replace(written, Value(sep), Value(""))
    declared = (
        Employer.objects.exclude(bank_account="")
        .annotate(account_key=written)
        .filter(account_key__in=accounts)
    )
    for pk, key in declared.values_list("id", "account_key"):
        found[key].add(pk)
    return found


def matches_find(transfers: list[Transfer]) -> dict[int, Match]:
    """Line → :class:`Match` for every transfer (a handful of queries for the whole list)."""
    refs = _by_reference(transfers)
    accounts = _by_account(transfers)
    out = {}
    for t in transfers:
        by_ref = frozenset(refs.get(t.line, ()))
        by_acc = frozenset(accounts.get(t.account, ())) if t.account else frozenset()
        employer_id, method = None, ""
        if len(by_ref) == 1:
            (ref_unit,) = by_ref
            if not (len(by_acc) == 1 and ref_unit not in by_acc):
                employer_id, method = ref_unit, MatchMethod.REFERENCE
        elif not by_ref and len(by_acc) == 1:
            (employer_id,) = by_acc
            method = MatchMethod.ACCOUNT
        elif len(by_ref) > 1 and len(by_acc) == 1 and by_acc <= by_ref:
            # Several units named, one of them the account's: the account settles it.
            (employer_id,) = by_acc
            method = MatchMethod.ACCOUNT
        out[t.line] = Match(employer_id, method, by_acc, by_ref)
    return out
