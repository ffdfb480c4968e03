"""Each declared row beside the person's current record (the reviewer's view of a dossier):
registered with the dossier page's content (``declarations.dossiers.content``) at start-up.

Differences are marked so a reviewer sees at a glance a changed name, birth date or ID, or
terms that differ from the open spell."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scope import may
from declarations.people.models import (
    CardStatus,
    EmploymentSpell,
    HealthCard,
    Person,
    PersonIdentity,
)

VIEW_PERSON = "people.view_person"
FORMS = {"D02-LT", "D02-TS", "TK1-TS"}
IDENTITY = (
    ("HoTen", "full_name", gettext_lazy("Full name")),
    ("NgaySinh", "birth_date", gettext_lazy("Date of birth")),
    ("CMND", "citizen_id", gettext_lazy("Citizen ID")),
    ("GioiTinh", "sex", gettext_lazy("Sex")),
)


def _amount(text: str) -> int | None:
    digits = (text or "").replace(".", "").replace(",", "").strip()
    return int(digits) if digits.isdigit() else None


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def row_notes(dossier, form_code: str, rows: list[dict], user=None) -> dict[int, list]:
    """{index of the row on the page: [(heading, text, differs)]} for the people named; only
    for staff who may see the registry at the dossier's office (a unit sees none of it: a
    worker's other employers are not its business)."""
    if (form_code or "").strip() not in FORMS:
        return {}
    if user is None or not may(user, VIEW_PERSON, dossier.office):
        return {}
    numbers = {r.get("MasoBHXH", "") for r in rows} - {""}
    latest = PersonIdentity.objects.filter(person=OuterRef("pk")).order_by("-id")
    people = {
        p.number: p
        for p in Person.objects.filter(number__in=numbers).annotate(
            **{f: Subquery(latest.values(f)[:1]) for _tag, f, _label in IDENTITY}
        )
    }
    spells = {
        s.person_id: s
        for s in EmploymentSpell.objects.filter(
            person__in=people.values(), to_month__isnull=True
        ).select_related("employer")
    }
    cards = {
        c.person_id: c
        for c in HealthCard.objects.filter(person__in=people.values(), status=CardStatus.ACTIVE)
    }
    notes: dict[int, list] = {}
    for index, row in enumerate(rows):
        number = row.get("MasoBHXH", "")
        person = people.get(number)
        if not number:
            notes[index] = [("", _("No number yet: one is given on acceptance."), False)]
            continue
        if person is None:
            notes[index] = [("", _("Not in the registry yet."), True)]
            continue
        found = []
        for tag, attr, heading in IDENTITY:
            declared, current = row.get(tag, ""), getattr(person, attr) or ""
            if declared and declared != current:
                found.append((heading, current or "—", True))
        spell = spells.get(person.pk)
        if spell is None:
            found.append((_("Spell"), _("none open"), row.get("PA") not in {"TM", "TC", "TD"}))
        else:
            here = spell.employer_id == dossier.employer_id
            where = spell.employer.unit_code
            found.append(
                (
                    _("Spell"),
                    f"{where} {_('since')} {spell.from_month:%m/%Y} · {_vnd(spell.wage)}",
                    not here or row.get("PA") in {"TM"},
                )
            )
            declared_salary = _amount(row.get("TienLuong", ""))
            if here and declared_salary and declared_salary != spell.salary:
                found.append((_("Salary"), _vnd(spell.salary), True))
        card = cards.get(person.pk)
        if card is not None:
            found.append((_("Card"), card.number, False))
        notes[index] = found
    return notes
