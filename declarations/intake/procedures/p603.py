"""Procedure 603: điều chỉnh nội dung sổ BHXH (the book's personal data corrected)."""

from declarations.employers.procedures import FormSpec, Procedure, register
from declarations.intake.envelope import SCHEMAS
from declarations.intake.procedures.documents import accept_for, rules_for

PROCEDURE = register(
    Procedure(
        code="603",
        name_vi="Điều chỉnh nội dung trên sổ BHXH",
        name_en="Correct the data in a social-insurance book",
        forms=(FormSpec("TK1-TS", ("TK1-TS",), SCHEMAS / "tk1ts.xsd", repeatable=True),),
        plan_codes=frozenset(),
        rules=rules_for(
            reasons=frozenset({"DOI_TT"}),
            needs_change=frozenset({"DOI_TT"}),
            case_of=lambda requests, employer: "",
        ),
        checks_salary=False,
        results=("book",),
        on_accept=accept_for(book=True, card=False),
    )
)
