"""Procedure 607: cấp lại sổ BHXH do mất, hỏng (a lost or damaged book re-issued).

When the person also worked in another province, that province verifies the record first:
the time limit's ``other-province`` case (45 working days instead of 10)."""

from declarations.employers.procedures import FormSpec, Procedure, register
from declarations.intake.envelope import SCHEMAS
from declarations.intake.procedures.documents import accept_for, rules_for
from declarations.people.models import EmploymentSpell
from declarations.people.services import province_code_of


def _case(requests, employer) -> str:
    numbers = [r["number"] for r in requests]
    here = province_code_of(employer)
    elsewhere = (
        EmploymentSpell.objects.filter(person__number__in=numbers)
        .exclude(employer=employer)
        .select_related("employer__managing_office__parent")
    )
    return "other-province" if any(province_code_of(s.employer) != here for s in elsewhere) else ""


PROCEDURE = register(
    Procedure(
        code="607",
        name_vi="Cấp lại sổ BHXH do mất, hỏng",
        name_en="Re-issue a lost or damaged social-insurance book",
        forms=(FormSpec("TK1-TS", ("TK1-TS",), SCHEMAS / "tk1ts.xsd", repeatable=True),),
        plan_codes=frozenset(),
        rules=rules_for(
            reasons=frozenset({"MAT", "HONG"}), needs_change=frozenset(), case_of=_case
        ),
        checks_salary=False,
        results=("book",),
        on_accept=accept_for(book=True, card=False),
    )
)
