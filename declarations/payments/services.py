"""Writes of payments: a bank statement checked (the preview), confirmed and stored; a
transfer matched to a unit by hand.

The preview stores only the import row: its checked lines, what each is matched to, the
refused lines. The confirmation stores every new transfer of the statement in one
transaction, or nothing: a line stored meanwhile by another import stops it. A transfer
already stored (its UNC number on its day) is never stored twice, so the same statement
imported again stores nothing new."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import NamedTuple

import structlog
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit
from accounts.models import Office
from accounts.scope import scoped
from core.refusals import Refused
from declarations.employers.models import Employer

from . import codes  # noqa: F401  (registers the refusal codes)
from .lines import LABELS, UNC, LineProblem, Transfer, line_check
from .matching import Match, matches_find
from .models import (
    ImportState,
    KnownAccount,
    MatchMethod,
    Payment,
    PaymentCandidate,
    PaymentImport,
    PaymentStatus,
)
from .readers import FileRefused, file_format, lines_read

log = structlog.get_logger(__name__)

MAX_LINES = 20_000
MAX_PROBLEMS = 200  # refused lines kept for the page; the count says how many more
MATCH = "payments.match_payment"


def _digest(upload) -> tuple[str, bytes]:
    sha, head = hashlib.sha256(), b""
    for chunk in upload.chunks():
        if not head:
            head = chunk[:8]
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest(), head


def _stored_keys(transfers: list[Transfer]) -> set[tuple[str, date]]:
    """(UNC number, day) of the transfers already stored, among ``transfers``."""
    if not transfers:
        return set()
    rows = Payment.objects.filter(
        unc_number__in={t.unc for t in transfers},
        paid_on__in={t.paid_on for t in transfers},
    ).values_list("unc_number", "paid_on")
    return set(rows)


def statement_check(fileobj, fmt: str, *, today: date) -> tuple[list[Transfer], list[dict]]:
    """Every credit line of a statement, checked: (transfers, refused lines as JSON)."""
    transfers: list[Transfer] = []
    problems: list[dict] = []
    seen: dict[tuple[str, date], int] = {}
    try:
        for count, (number, values) in enumerate(lines_read(fileobj, fmt), start=1):
            if count > MAX_LINES:
                raise FileRefused(
                    LineProblem(number, "", "payments.too_many", {"limit": MAX_LINES})
                )
            transfer, line_problems = line_check(number, values, today=today)
            if transfer is not None:
                key = (transfer.unc, transfer.paid_on)
                if key in seen:
                    line_problems = [_duplicate(transfer, seen[key])]
                    transfer = None
                else:
                    seen[key] = number
                    transfers.append(transfer)
            problems.extend(p.as_json() for p in line_problems)
    except FileRefused as exc:
        return [], [exc.problem.as_json()]
    if not transfers and not problems:
        problems.append({"line": 1, "field": "", "code": "payments.empty", "params": {}})
    return transfers, problems


def _duplicate(transfer: Transfer, first: int) -> LineProblem:
    return LineProblem(
        transfer.line, LABELS[UNC], "payments.duplicate", {"value": transfer.unc, "first": first}
    )


def _line_json(t: Transfer, *, stored: bool, match: Match | None, codes_of: dict) -> dict:
    return {
        **t.as_json(),
        "already": stored,
        "unit": codes_of.get(match.employer_id, "") if match else "",
        "method": match.method if match else "",
        "candidates": sorted(codes_of[c] for c in match.candidates) if match else [],
    }


def _unit_codes(matches) -> dict[int, str]:
    ids = set().union(*(m.candidates for m in matches)) if matches else set()
    return dict(Employer.objects.filter(id__in=ids).values_list("id", "unit_code"))


def payment_import_preview(*, actor, office: Office, upload) -> PaymentImport:
    """Check an uploaded statement and keep the preview (nothing else is stored): each
    line with what it would be matched to, or every refused line with its code."""
    sha256, head = _digest(upload)
    imp = PaymentImport(
        office=office,
        file_name=(upload.name or "sao-ke")[-200:],
        sha256=sha256,
        created_by=actor,
    )
    try:
        imp.file_format = file_format(upload.name, head)
        transfers, problems = statement_check(upload, imp.file_format, today=timezone.localdate())
    except FileRefused as exc:
        imp.file_format, transfers, problems = "", [], [exc.problem.as_json()]
    stored = _stored_keys(transfers)
    new = [t for t in transfers if (t.unc, t.paid_on) not in stored]
    matches = matches_find(new)
    codes_of = _unit_codes(list(matches.values()))
    imp.lines = [
        _line_json(
            t, stored=(t.unc, t.paid_on) in stored, match=matches.get(t.line), codes_of=codes_of
        )
        for t in transfers
    ]
    imp.problems = problems[:MAX_PROBLEMS]
    imp.state = ImportState.REFUSED if problems else ImportState.PREVIEWED
    _counts_apply(imp, transfers, new, matches)
    imp.save()
    log.info(
        "payment_import_previewed",
        import_id=imp.pk,
        office_id=office.pk,
        lines=imp.line_count,
        refused=len(problems),
    )
    return imp


def _counts_apply(imp, transfers, new, matches) -> None:
    imp.line_count = len(transfers) + len({p["line"] for p in imp.problems})
    imp.new_count = len(new)
    imp.already_count = len(transfers) - len(new)
    imp.matched_count = sum(1 for t in new if matches[t.line].employer_id)
    imp.total_amount = sum(t.amount for t in new)


def payment_import_confirm(*, actor, imp: PaymentImport) -> PaymentImport:
    """The officer's Yes to the preview: store every new transfer, matched again now (an
    account learnt since the preview counts), in one transaction, with one audit entry."""
    with transaction.atomic():
        locked = PaymentImport.objects.select_for_update().get(pk=imp.pk)
        if locked.state != ImportState.PREVIEWED:
            raise Refused("payments.not_pending")
        transfers = [Transfer.from_json(line) for line in locked.lines]
        stored = _stored_keys(transfers)
        new = [t for t in transfers if (t.unc, t.paid_on) not in stored]
        if not new:
            raise Refused("payments.nothing_new")
        matches = matches_find(new)
        now = timezone.now()
        rows = [_payment_row(t, matches[t.line], locked, now) for t in new]
        try:
            with transaction.atomic():
                Payment.objects.bulk_create(rows)
        except IntegrityError:
            # Another import stored one of these transfers after the check above.
            raise Refused("payments.changed") from None
        PaymentCandidate.objects.bulk_create(_candidates(rows, new, matches))
        _counts_apply(locked, transfers, new, matches)
        locked.state = ImportState.STORED
        locked.stored_by, locked.stored_at = actor, now
        codes_of = _unit_codes(list(matches.values()))
        locked.lines = [
            _line_json(
                t,
                stored=(t.unc, t.paid_on) in stored,
                match=matches.get(t.line),
                codes_of=codes_of,
            )
            for t in transfers
        ]
        locked.save()
        audit.record(
            actor,
            "payment.import_stored",
            locked,
            locked.office,
            {
                "file": locked.file_name,
                "sha256": locked.sha256,
                "lines": len(transfers),
                "new": locked.new_count,
                "already": locked.already_count,
                "matched": locked.matched_count,
                "unmatched": locked.new_count - locked.matched_count,
                "total": locked.total_amount,
            },
        )
    log.info(
        "payment_import_stored",
        import_id=locked.pk,
        new=locked.new_count,
        matched=locked.matched_count,
    )
    return locked


def _payment_row(t: Transfer, match: Match, imp: PaymentImport, now) -> Payment:
    matched = match.employer_id is not None
    return Payment(
        employer_id=match.employer_id,
        unc_number=t.unc,
        paid_on=t.paid_on,
        amount=t.amount,
        payer_account=t.account,
        payer_name=t.name,
        description=t.details,
        status=PaymentStatus.MATCHED if matched else PaymentStatus.UNMATCHED,
        matched_at=now if matched else None,
        match_method=match.method,
        source=imp,
        recorded_at=now,
    )


def _candidates(rows: list[Payment], new: list[Transfer], matches) -> list[PaymentCandidate]:
    out = []
    for payment, t in zip(rows, new, strict=True):
        if payment.employer_id is not None:
            continue
        m = matches[t.line]
        out += [
            PaymentCandidate(payment=payment, employer_id=pk, reason=MatchMethod.ACCOUNT)
            for pk in m.by_account
        ]
        out += [
            PaymentCandidate(payment=payment, employer_id=pk, reason=MatchMethod.REFERENCE)
            for pk in m.by_reference
        ]
    return out


class ManualMatch(NamedTuple):
    """A transfer matched by hand and the unmatched ones its payer's account then matched."""

    payment: Payment
    rematched: list[Payment]


def payment_match(*, actor, payment: Payment, unit_code: str) -> ManualMatch:
    """Match a queued transfer to a unit of the officer's offices, by hand; the payer's
    account is learnt as the unit's, so its next transfers match by themselves, and the
    unmatched ones already stored from it are matched again now, in the same transaction
    (:func:`_account_rematch`)."""
    code = "".join(unit_code.split()).upper()
    employer = (
        scoped(actor, Employer.objects.select_related("managing_office"), permission=MATCH)
        .filter(unit_code=code)
        .first()
    )
    if employer is None:
        raise Refused("payments.unit_unknown", value=code or "—")
    rematched: list[Payment] = []
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status == PaymentStatus.MATCHED:
            unit = Employer.objects.filter(pk=locked.employer_id).values_list(
                "unit_code", flat=True
            )
            raise Refused("payments.already_matched", unit=unit.first() or "")
        locked.employer = employer
        locked.status = PaymentStatus.MATCHED
        locked.match_method = MatchMethod.MANUAL
        locked.matched_at, locked.matched_by = timezone.now(), actor
        locked.save(
            update_fields=["employer", "status", "match_method", "matched_at", "matched_by"]
        )
        learned = False
        if locked.payer_account:
            _known, learned = KnownAccount.objects.get_or_create(
                employer=employer,
                account=locked.payer_account,
                defaults={"learned_from": locked, "learned_by": actor},
            )
        audit.record(
            actor,
            "payment.matched",
            locked,
            employer.managing_office,
            {
                "unc": locked.unc_number,
                "paid_on": locked.paid_on.isoformat(),
                "amount": locked.amount,
                "unit": employer.unit_code,
                "account": locked.payer_account,
                "account_learned": learned,
            },
        )
        if locked.payer_account:
            rematched = _account_rematch(actor=actor, matched=locked, employer=employer)
    log.info(
        "payment_matched",
        payment_id=locked.pk,
        employer_id=employer.pk,
        rematched=len(rematched),
    )
    return ManualMatch(locked, rematched)


def _account_rematch(*, actor, matched: Payment, employer: Employer) -> list[Payment]:
    """The unmatched transfers from ``matched``'s payer account, matched again with the
    account now known: those the rules now give to ``employer`` are matched to it (by
    account), each with its audit entry; the others (details naming another unit, an
    account several units pay from) stay in the queue."""
    waiting = list(
        Payment.objects.select_for_update()
        .filter(status=PaymentStatus.UNMATCHED, payer_account=matched.payer_account)
        .exclude(pk=matched.pk)
        .order_by("paid_on", "id")
    )
    if not waiting:
        return []
    found = matches_find(
        [
            Transfer(p.pk, p.unc_number, p.paid_on, p.amount, p.payer_account, "", p.description)
            for p in waiting
        ]
    )
    now, rematched = timezone.now(), []
    for p in waiting:
        if found[p.pk].employer_id != employer.pk:
            continue
        p.employer, p.status = employer, PaymentStatus.MATCHED
        p.match_method = found[p.pk].method
        p.matched_at, p.matched_by = now, actor
        p.save(update_fields=["employer", "status", "match_method", "matched_at", "matched_by"])
        audit.record(
            actor,
            "payment.rematched",
            p,
            employer.managing_office,
            {
                "unc": p.unc_number,
                "paid_on": p.paid_on.isoformat(),
                "amount": p.amount,
                "unit": employer.unit_code,
                "account": p.payer_account,
                "method": p.match_method,
                "after": matched.unc_number,
            },
        )
        rematched.append(p)
    return rematched
