"""Procedure 610: cấp lại, đổi thẻ BHYT (a card re-issued: lost or damaged the same day;
with changed data or a new first-contact hospital in 3 working days, case ``data-changed``)."""

from declarations.employers.procedures import FormSpec, Procedure, register
from declarations.intake.envelope import SCHEMAS
from declarations.intake.procedures.documents import accept_for, rules_for

CHANGES = frozenset({"DOI_TT", "DOI_KCB"})


def _case(requests, employer) -> str:
    return "data-changed" if any(r["reason"] in CHANGES for r in requests) else ""


PROCEDURE = register(
    Procedure(
        code="610",
        name_vi="Cấp lại, đổi thẻ BHYT",
        name_en="Re-issue or change a health-insurance card",
        forms=(FormSpec("TK1-TS", ("TK1-TS",), SCHEMAS / "tk1ts.xsd", repeatable=True),),
        plan_codes=frozenset(),
        rules=rules_for(
            reasons=frozenset({"MAT", "HONG"}) | CHANGES, needs_change=CHANGES, case_of=_case
        ),
        checks_salary=False,
        results=("card",),
        on_accept=accept_for(book=False, card=True),
    )
)
