"""What an accepted dossier does to people: identities, spells, books and cards.

:func:`rows_apply` is called by a procedure's acceptance effect (one module per procedure in
``declarations.intake.procedures``) inside the decision's transaction, with the rows already
parsed. It reads everything it needs for the whole list in a few queries and writes in bulk,
so accepting a 1,000-row list costs about as much as taking it in.
"""

from __future__ import annotations

import calendar
import functools
import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import audit
from core.db import rows_insert_columns
from core.refusals import Refused, codes_register
from declarations.people.models import (
    CardStatus,
    ContributionAdjustment,
    DocumentEvent,
    EmploymentSpell,
    HealthCard,
    HouseholdMember,
    InsuranceBook,
    NumberSeries,
    Person,
    PersonIdentity,
)
from declarations.people.plans import Effect, PlanCode, SpellStatus, plan_code

codes_register(
    "people",
    "Insured people, books and cards",
    {
        "CARD_NOT_TO_RETURN": _("Card {number} is not waiting to be returned."),
    },
)

# Employees of a unit (người lao động trong doanh nghiệp): beneficiary group and benefit level
# printed on their card unless the row says otherwise (MucHuong).
DEFAULT_OBJECT_CODE = "DN"
DEFAULT_BENEFIT_LEVEL = "4"
ALLOWANCES = ("PhuCapCV", "PhuCapTNVK", "PhuCapTNNghe", "PhuCapLuong", "PhuCapBosung")


@dataclass
class Declared:
    """One D02-LT row as acceptance reads it, with the person's TK1-TS when there is one.
    Values are stripped text, as the declaration's parser gives them."""

    stt: int
    row: dict
    tk1: dict | None = None
    household: list[dict] = field(default_factory=list)


@functools.lru_cache(maxsize=1024)
def month_of(text: str) -> date | None:
    try:
        month, year = (text or "").strip().split("/")
        return date(int(year), int(month), 1)
    except ValueError:
        return None


def month_before(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


@functools.lru_cache(maxsize=4096)
def _amount(text: str) -> int:
    # Cached: a list repeats its salaries and allowances from row to row.
    digits = text.replace(".", "").replace(",", "")
    return int(digits) if digits.isdigit() else 0


@functools.lru_cache(maxsize=1024)
def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ".")) if text else None
    except InvalidOperation:
        return None


def province_code_of(employer) -> str:
    """The two-digit province code of the employer's managing office (its province's)."""
    office = employer.managing_office
    while office is not None:
        if office.level == "province" and office.admin_code:
            return office.admin_code[:2]
        if office.parent_id is None:
            break
        office = office.parent
    code = (employer.managing_office.admin_code or employer.managing_office.code or "00")[:2]
    return code if code.isdigit() else "00"


def card_number(object_code: str, benefit_level: str, province: str, number: str) -> str:
    """Mã thẻ BHYT: group (2 letters) + benefit level (1) + province (2) + mã số BHXH (10)."""
    return f"{object_code}{benefit_level}{province}{number}"


def numbers_assign(province: str, count: int) -> list[str]:
    """``count`` new social-insurance numbers for ``province``, never one already in use."""
    if count <= 0:
        return []
    series, _created = NumberSeries.objects.select_for_update().get_or_create(
        province_code=province
    )
    numbers: list[str] = []
    last = series.last
    while len(numbers) < count:
        wanted = count - len(numbers)
        candidates = [f"{province}{n:08d}" for n in range(last + 1, last + 1 + wanted)]
        last += wanted
        used = set(
            Person.objects.filter(number__any_of=candidates).values_list("number", flat=True)
        )
        numbers += [c for c in candidates if c not in used]
    series.last = last
    series.save(update_fields=["last"])
    return numbers


def _identity_from(declared: Declared) -> dict:
    row, tk1 = declared.row, declared.tk1 or {}
    return {
        "full_name": (tk1.get("HoTen") or row.get("HoTen") or "")[:200],
        "birth_date": (tk1.get("NgaySinh") or row.get("NgaySinh") or "")[:10],
        "sex": (tk1.get("GioiTinh") or row.get("GioiTinh") or "")[:1],
        "citizen_id": (tk1.get("CMND") or row.get("CMND") or "")[:20],
        "nationality": tk1.get("QuocTich", "")[:60],
        "ethnicity": tk1.get("DanToc", "")[:60],
        "birth_place": tk1.get("Diachi_KS", "")[:300],
        "contact_address": tk1.get("Diachi_NN", "")[:300],
        "phone": tk1.get("Dienthoai_LH", "")[:20],
        "email": tk1.get("Email_LH", "")[:200],
        "household_code": tk1.get("Maho_Giadinh", "")[:20],
    }


def _terms(row: dict) -> dict:
    return {
        "job": (row.get("ChucVu") or "")[:200],
        "workplace": (row.get("NoiLamViec") or "")[:200],
        "salary": _amount(row.get("TienLuong", "")),
        "coefficient": _decimal(row.get("HeSo", "")),
        "allowances": {k: v for k in ALLOWANCES if (v := _amount(row.get(k, "")))},
        "rate": _decimal(row.get("TyleDong", "")),
    }


def _hospital(declared: Declared) -> str:
    tk1 = declared.tk1 or {}
    code = tk1.get("MaBenhVien") or declared.row.get("MaBenhVien") or ""
    province = tk1.get("MaTinhBenhVien", "")
    if code and province and not code.startswith(province):
        code = f"{province}{code}"
    return code[:20]


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector for one batch. A 1,000-row list allocates tens
    of thousands of small dicts and rows, none in a cycle; each allocation threshold crossed
    starts a pass, and the oldest generation's passes walk the whole process heap: about a
    fifth of an acceptance's CPU (benchmarks/README.md). Counting resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _New(SimpleNamespace):
    """A row this batch writes: its fields as attributes (the model's attnames), ``pk`` None
    until written. Thousands of these cost a fraction of model instances."""

    pk = None


class _Batch:
    """The rows of one accepted dossier and everything they touch, loaded once."""

    def __init__(self, *, dossier, declared: list[Declared], decrease_first: bool):
        self.dossier = dossier
        self.employer = dossier.employer
        # Read once: a model's ``pk`` is a property, asked for thousands of times here.
        self.dossier_id, self.employer_id = dossier.pk, self.employer.pk
        self.now = timezone.now()
        self.declared = declared
        self.decrease_first = decrease_first
        self.province = province_code_of(self.employer)
        self.events: list[dict] = []
        self.new_spells: list[_New] = []
        self.closings: dict[tuple[date, str], list[int]] = defaultdict(list)
        self.card_updates: dict[tuple, list[int]] = defaultdict(list)
        self.new_cards: list[_New] = []
        self.new_books: list[dict] = []
        self.adjustments: list[dict] = []

    # -- loading ------------------------------------------------------------------------------
    def people_resolve(self) -> dict[int, Person]:
        """The person of every row, by STT; new people get numbers (TM without one)."""
        numbers = {d.row.get("MasoBHXH", "") for d in self.declared} - {""}
        known = {
            p.number: p for p in Person.objects.filter(number__any_of=list(numbers)).only("number")
        }
        # A first increase without a number: the same citizen ID may already be registered.
        wanting = [d for d in self.declared if not d.row.get("MasoBHXH")]
        ids = {_identity_from(d)["citizen_id"] for d in wanting} - {""}
        by_id = {}
        if ids:
            for identity in (
                PersonIdentity.objects.filter(citizen_id__any_of=list(ids))
                .select_related("person")
                .order_by("id")
            ):
                by_id[identity.citizen_id] = identity.person
        fresh: list[Declared] = []
        unknown: list[str] = []
        people: dict[int, Person] = {}
        for d in self.declared:
            number = d.row.get("MasoBHXH", "")
            if number:
                if number not in known:
                    known[number] = _New(number=number)
                    unknown.append(number)
                people[d.stt] = known[number]
            else:
                person = by_id.get(_identity_from(d)["citizen_id"])
                if person is not None:
                    people[d.stt] = person
                else:
                    fresh.append(d)
        for d, number in zip(fresh, numbers_assign(self.province, len(fresh)), strict=True):
            known[number] = people[d.stt] = _New(number=number)
            unknown.append(number)
        keys = rows_insert_columns(
            Person,
            [
                {"number": n, "created_at": self.now, "created_by_id": self.dossier_id}
                for n in unknown
            ],
        )
        for number, key in zip(unknown, keys, strict=True):
            known[number].pk = key
        self.people = people
        ids = [p.pk for p in people.values()]
        fresh_keys = set(keys)
        old = [k for k in ids if k not in fresh_keys]
        self.identity = {}
        self.open_spells: dict[int, EmploymentSpell] = {}
        self.cards: dict[int, HealthCard] = {}
        self.books = set()
        if not old:  # only new people: nothing of theirs to load
            return people
        for identity in PersonIdentity.objects.filter(person_id__any_of=old).order_by(
            "person_id", "-id"
        ):
            self.identity.setdefault(identity.person_id, identity)
        self.open_spells = {
            s.person_id: s
            for s in EmploymentSpell.objects.filter(
                person_id__any_of=old, employer=self.employer, to_month__isnull=True
            ).order_by("id")
        }
        for card in HealthCard.objects.filter(
            person_id__any_of=old, status=CardStatus.ACTIVE
        ).order_by("-id"):
            self.cards.setdefault(card.person_id, card)
        self.books = set(
            InsuranceBook.objects.filter(person_id__any_of=old).values_list("person_id", flat=True)
        )
        return people

    # -- applying -----------------------------------------------------------------------------
    def identities_write(self) -> None:
        new: list[tuple[dict, Declared]] = []
        for d in self.declared:
            person = self.people[d.stt]
            declared = _identity_from(d)
            latest = self.identity.get(person.pk)
            if latest is not None:
                same = all(not declared[f] or getattr(latest, f) == declared[f] for f in declared)
                if same and not d.household:
                    continue
                declared = {f: declared[f] or getattr(latest, f) for f in declared}
            row = {
                "person_id": person.pk,
                "dossier_id": self.dossier_id,
                "recorded_at": self.now,
                **declared,
            }
            self.identity[person.pk] = _New(**declared)
            new.append((row, d))
        # Keys only when a household row points at its identity.
        with_household = any(d.household for _row, d in new)
        keys = rows_insert_columns(PersonIdentity, [row for row, _d in new], keys=with_household)
        if not with_household:
            return
        rows_insert_columns(
            HouseholdMember,
            [
                {
                    "identity_id": key,
                    "full_name": m.get("HoTen", "")[:200],
                    "number": m.get("MasoBHXH", "")[:10],
                    "birth_date": m.get("NgaySinh", "")[:10],
                    "sex": m.get("GioiTinh", "")[:1],
                    "relation": m.get("QuanHe", "")[:60],
                    "citizen_id": m.get("CMND", "")[:20],
                }
                for key, (_row, d) in zip(keys, new, strict=True)
                for m in d.household
            ],
        )

    def row_apply(self, d: Declared) -> dict:
        person = self.people[d.stt]
        plan = plan_code(d.row.get("PA", ""), decrease_first=self.decrease_first)
        start = month_of(d.row.get("TuThang", "")) or timezone.localdate().replace(day=1)
        end = month_of(d.row.get("DenThang", ""))
        identity = self.identity.get(person.pk)
        result = {
            "stt": d.stt,
            "number": person.number,
            "name": identity.full_name if identity is not None else "",
            "plan": plan.code if plan else d.row.get("PA", ""),
            "from": start.strftime("%m/%Y"),
        }
        if plan is None:
            result["note"] = "unknown_plan"
            return result
        open_spell = self.open_spells.get(person.pk)
        terms = _terms(d.row)
        if plan.effect is Effect.ADJUST:
            self.adjustments.append(
                {
                    "person_id": person.pk,
                    "employer_id": self.employer_id,
                    "plan": plan.code,
                    "direction": plan.direction,
                    "from_month": start,
                    "to_month": end,
                    "salary": terms["salary"],
                    "rate": terms["rate"],
                    "dossier_id": self.dossier_id,
                    "recorded_at": self.now,
                }
            )
            return result
        if plan.effect in (Effect.OPEN, Effect.RESUME, Effect.CHANGE):
            if open_spell is not None:
                self._close(open_spell, start, plan)
                if plan.effect is not Effect.OPEN and not terms["salary"]:
                    terms = self._terms_of(open_spell)
            self._open(person, start, plan, terms, SpellStatus.CONTRIBUTING)
            if plan.effect is Effect.CHANGE:
                return result
            if person.pk not in self.books:
                self.books.add(person.pk)
                self.new_books.append(
                    {
                        "person_id": person.pk,
                        "issued_at": self.now,
                        "issued_by_id": self.dossier_id,
                        "employer_id": self.employer_id,
                    }
                )
                result["book"] = "issued"
            card = self.cards.get(person.pk)
            if card is not None and card.employer_id == self.employer_id:
                result["card"] = self._card_view(card, "kept")
            else:
                if card is not None:  # from another unit: this unit's card replaces it
                    self._card_move(card, status=CardStatus.REPLACED, event="card_replaced")
                result["card"] = self._card_issue(person, d, start, end, previous=card)
            return result
        # PAUSE or CLOSE
        if open_spell is None:
            result["note"] = "no_open_spell"
        else:
            self._close(open_spell, start, plan)
            if plan.effect is Effect.PAUSE:
                self._open(person, start, plan, self._terms_of(open_spell), plan.pause)
        if not plan.card_continues:
            card = self.cards.get(person.pk)
            if card is not None and card.employer_id == self.employer_id:
                result["card"] = self._card_end(person, card, start)
        return result

    @staticmethod
    def _terms_of(spell) -> dict:
        return {
            "job": spell.job,
            "workplace": spell.workplace,
            "salary": spell.salary,
            "coefficient": spell.coefficient,
            "allowances": spell.allowances,
            "rate": spell.rate,
        }

    def _open(self, person, start, plan: PlanCode, terms: dict, status) -> None:
        spell = _New(
            person_id=person.pk,
            employer_id=self.employer_id,
            status=status,
            from_month=start,
            to_month=None,
            opened_plan=plan.code,
            opened_by_id=self.dossier_id,
            closed_plan="",
            closed_by_id=None,
            recorded_at=self.now,
            **terms,
        )
        self.new_spells.append(spell)
        self.open_spells[person.pk] = spell

    def _close(self, spell, start: date, plan: PlanCode) -> None:
        last = max(month_before(start), spell.from_month)
        if spell.pk is None:  # opened by an earlier row of this same list
            spell.to_month, spell.closed_plan, spell.closed_by_id = last, plan.code, self.dossier_id
        else:
            self.closings[(last, plan.code)].append(spell.pk)
        self.open_spells.pop(spell.person_id, None)

    def _card_issue(self, person, d: Declared, start, end, previous) -> dict:
        level = d.row.get("MucHuong", "")
        level = level if level in {"1", "2", "3", "4", "5"} else DEFAULT_BENEFIT_LEVEL
        card = _New(
            person_id=person.pk,
            employer_id=self.employer_id,
            number=card_number(DEFAULT_OBJECT_CODE, level, self.province, person.number),
            object_code=DEFAULT_OBJECT_CODE,
            benefit_level=level,
            province_code=self.province,
            valid_from=start,
            valid_to=month_end(end) if end else None,
            covered_to=None,
            hospital=_hospital(d) or (previous.hospital if previous else ""),
            status=CardStatus.ACTIVE,
            issued_at=self.now,
            issued_by_id=self.dossier_id,
            return_asked_by_id=None,
        )
        self.new_cards.append(card)
        self.cards[person.pk] = card
        return self._card_view(card, "issued")

    def _card_end(self, person, card, start: date) -> dict:
        """Coverage ends with the month before ``start``; only a card still valid then must
        come back ("chỉ nộp lại thẻ BHYT còn hạn sử dụng")."""
        covered_to = start - timedelta(days=1)
        still_valid = card.valid_to is None or card.valid_to > covered_to
        self._card_move(
            card,
            status=CardStatus.TO_RETURN if still_valid else CardStatus.ENDED,
            event="card_to_return" if still_valid else "card_ended",
            covered_to=covered_to,
            asked=still_valid,
        )
        self.cards.pop(person.pk, None)
        return self._card_view(card, "to_return" if still_valid else "ended")

    def _card_move(self, card, *, status, event, covered_to=None, asked=False) -> None:
        card.status = status
        if covered_to is not None:
            card.covered_to = covered_to
        if asked:
            card.return_asked_by_id = self.dossier_id
        if card.pk is not None:
            key = (status, card.covered_to, card.return_asked_by_id)
            self.card_updates[key].append(card.pk)
        self.events.append(
            {"person_id": card.person_id, "card": card, "kind": event, "at": self.now}
        )

    @staticmethod
    def _card_view(card, action: str) -> dict:
        return {
            "action": action,
            "number": card.number,
            "valid_from": card.valid_from.strftime("%d/%m/%Y"),
            "valid_to": card.valid_to.strftime("%d/%m/%Y") if card.valid_to else "",
            "covered_to": card.covered_to.strftime("%d/%m/%Y") if card.covered_to else "",
            "hospital": card.hospital,
        }

    # -- writing ------------------------------------------------------------------------------
    def write(self, results: list[dict]) -> None:
        """Every row of the batch: a few statements whatever the list's length. A book's and
        a card's issue is their own row (``issued_by``); events record what came after."""
        for (last, plan), ids in self.closings.items():
            EmploymentSpell.objects.filter(pk__in=ids, to_month__isnull=True).update(
                to_month=last, closed_plan=plan, closed_by=self.dossier
            )
        rows_insert_columns(EmploymentSpell, [vars(s) for s in self.new_spells], keys=False)
        rows_insert_columns(InsuranceBook, self.new_books, keys=False)
        # Keys only when an event of this batch points at a card it issues.
        pointed = any(e["card"].pk is None for e in self.events)
        keys = rows_insert_columns(HealthCard, [vars(c) for c in self.new_cards], keys=pointed)
        for card, key in zip(self.new_cards, keys, strict=False):
            card.pk = key
        for (status, covered_to, asked_by), ids in self.card_updates.items():
            HealthCard.objects.filter(pk__in=ids).update(
                status=status, covered_to=covered_to, return_asked_by_id=asked_by
            )
        rows_insert_columns(ContributionAdjustment, self.adjustments, keys=False)
        rows_insert_columns(
            DocumentEvent,
            [
                {
                    "person_id": e["person_id"],
                    "card_id": e["card"].pk,
                    "kind": e["kind"],
                    "at": e["at"],
                    "dossier_id": self.dossier_id,
                }
                for e in self.events
            ],
        )


def rows_apply(*, dossier, declared: list[Declared], decrease_first: bool = False) -> list[dict]:
    """Apply the accepted rows of ``dossier`` to the people they name; returns one result per
    row (person, plan, book issued, card issued / kept / to return) for the result notice."""
    batch = _Batch(dossier=dossier, declared=declared, decrease_first=decrease_first)
    batch.people_resolve()
    batch.identities_write()
    results = [batch.row_apply(d) for d in declared]
    batch.write(results)
    return results


def person_viewed(*, actor, person: Person, spells: list) -> None:
    """Record that a staff member opened ``person``'s registry page (identity, household,
    history, cards): an auditor asks who looked at whom. Logged under the office of the
    person's latest unit."""
    office = spells[-1].employer.managing_office if spells else None
    audit.record(actor, "person.viewed", person, office, {"number": person.number})


@transaction.atomic
def card_return_record(*, actor, card: HealthCard) -> HealthCard:
    """Staff record that the unit handed back a card it was asked to return."""
    card = HealthCard.objects.select_for_update().select_related("employer").get(pk=card.pk)
    if card.status != CardStatus.TO_RETURN:
        raise Refused("CARD_NOT_TO_RETURN", number=card.number)
    card.status, card.returned_at = CardStatus.RETURNED, timezone.now()
    card.save(update_fields=["status", "returned_at"])
    DocumentEvent.objects.create(
        person_id=card.person_id, card=card, kind="card_returned", at=card.returned_at
    )
    audit.record(
        actor,
        "card.returned",
        card,
        card.employer.managing_office,
        {"number": card.number, "employer": card.employer.unit_code},
    )
    return card


def back_pay_apply(*, dossier, declared: list[Declared], amounts: dict[int, tuple[int, int]]):
    """Truy đóng (601): each row's past months become a closed spell with this unit (where no
    spell of the unit covers them) and an adjustment carrying what is owed, ``amounts`` by
    STT: (contributions due, late interest)."""
    batch = _Batch(dossier=dossier, declared=declared, decrease_first=False)
    people = batch.people_resolve()
    batch.identities_write()
    results = []
    # The unit's spells of these people, read once: a month already covered is not opened twice.
    spans: dict[int, list] = defaultdict(list)
    for person_id, s_from, s_to in EmploymentSpell.objects.filter(
        person_id__in=[p.pk for p in people.values()], employer=batch.employer
    ).values_list("person_id", "from_month", "to_month"):
        spans[person_id].append((s_from, s_to))
    for d in declared:
        person = people[d.stt]
        start = month_of(d.row.get("TuThang", ""))
        end = month_of(d.row.get("DenThang", "")) or start
        terms = _terms(d.row)
        plan = (d.row.get("PA") or "TM").strip().upper()[:2]
        covered = any(
            s_from <= end and (s_to is None or s_to >= start)
            for s_from, s_to in spans.get(person.pk, ())
        )
        if not covered:
            batch.new_spells.append(
                _New(
                    person_id=person.pk,
                    employer_id=batch.employer.pk,
                    status=SpellStatus.CONTRIBUTING,
                    from_month=start,
                    to_month=end,
                    opened_plan=plan,
                    opened_by_id=dossier.pk,
                    closed_plan="",
                    closed_by_id=dossier.pk,
                    recorded_at=batch.now,
                    **terms,
                )
            )
        due, interest = amounts.get(d.stt, (0, 0))
        batch.adjustments.append(
            {
                "person_id": person.pk,
                "employer_id": batch.employer.pk,
                "plan": plan,
                "direction": "increase",
                "from_month": start,
                "to_month": end,
                "salary": terms["salary"],
                "rate": terms["rate"],
                "amount_due": due,
                "interest": interest,
                "dossier_id": dossier.pk,
                "recorded_at": batch.now,
            }
        )
        results.append(
            {
                "stt": d.stt,
                "number": person.number,
                "name": batch.identity[person.pk].full_name if person.pk in batch.identity else "",
                "plan": plan,
                "from": start.strftime("%m/%Y"),
                "to": end.strftime("%m/%Y"),
                "due": due,
                "interest": interest,
            }
        )
    batch.write(results)
    return results


def documents_reissue(*, dossier, requests: list[dict]) -> list[dict]:
    """Cấp lại, đổi sổ BHXH / thẻ BHYT (607, 603, 610): each request names a person
    (``number``), what to re-issue (``book``, ``card``), why (``reason``) and the declared
    identity or hospital that changes (``identity``: dict, ``hospital``)."""
    now = timezone.now()
    people = {
        p.number: p for p in Person.objects.filter(number__in=[r["number"] for r in requests])
    }
    # What these people hold, read once for the whole list.
    identities: dict[int, PersonIdentity] = {}
    for identity in PersonIdentity.objects.filter(person__in=people.values()).order_by("-id"):
        identities.setdefault(identity.person_id, identity)
    books = {b.person_id: b for b in InsuranceBook.objects.filter(person__in=people.values())}
    cards: dict[int, HealthCard] = {}
    for card in HealthCard.objects.filter(
        person__in=people.values(), status=CardStatus.ACTIVE
    ).order_by("-id"):
        cards.setdefault(card.person_id, card)
    results = []
    for request in requests:
        person = people.get(request["number"])
        if person is None:
            results.append({"stt": request["stt"], "number": request["number"], "note": "unknown"})
            continue
        latest = identities.get(person.pk)
        result = {
            "stt": request["stt"],
            "number": person.number,
            "name": latest.full_name if latest else "",
            "plan": request["reason"],
        }
        changed = {
            k: v
            for k, v in (request.get("identity") or {}).items()
            if v and (latest is None or getattr(latest, k) != v)
        }
        if changed:
            base = {f: getattr(latest, f) for f in _identity_fields()} if latest else {}
            latest = identities[person.pk] = PersonIdentity.objects.create(
                person=person, dossier=dossier, recorded_at=now, **{**base, **changed}
            )
            result["name"] = latest.full_name
            result["changed"] = sorted(changed)
        if request.get("book"):
            book = books.get(person.pk)
            if book is None:
                book = books[person.pk] = InsuranceBook.objects.create(
                    person=person, issued_at=now, issued_by=dossier, employer=dossier.employer
                )
                kind = "book_issued"
            else:
                book.copies += 1
                book.save(update_fields=["copies"])
                kind = "book_reissued"
            DocumentEvent.objects.create(
                person=person,
                book=book,
                kind=kind,
                at=now,
                dossier=dossier,
                data={"reason": request["reason"], "changed": sorted(changed)},
            )
            result["book"] = "reissued"
        if request.get("card"):
            old = cards.get(person.pk)
            if old is None:
                result["note"] = "no_card"
            else:
                old.status = CardStatus.REPLACED
                old.save(update_fields=["status"])
                new = cards[person.pk] = HealthCard.objects.create(
                    person=person,
                    employer_id=old.employer_id,
                    number=old.number,
                    object_code=old.object_code,
                    benefit_level=old.benefit_level,
                    province_code=old.province_code,
                    valid_from=old.valid_from,
                    valid_to=old.valid_to,
                    hospital=request.get("hospital") or old.hospital,
                    issued_at=now,
                    issued_by=dossier,
                )
                DocumentEvent.objects.create(
                    person=person,
                    card=new,
                    kind="card_reissued",
                    at=now,
                    dossier=dossier,
                    data={"reason": request["reason"], "replaces": old.pk},
                )
                result["card"] = _Batch._card_view(new, "reissued")
        results.append(result)
    return results


def _identity_fields() -> list[str]:
    return [
        f.name
        for f in PersonIdentity._meta.concrete_fields
        if f.name not in {"id", "person", "dossier", "recorded_at"}
    ]
