"""Procedure 600a: báo giảm lao động (the decreases of 600, as most I-VAN software files them)."""

from declarations.employers.procedures import FormSpec, Procedure, register
from declarations.intake.envelope import SCHEMAS
from declarations.intake.procedures import p600
from declarations.intake.procedures.d02lt import d02lt_rules_check
from declarations.people.plans import DECREASE

DECREASE_CODES = DECREASE


def accept(*, dossier, returned=frozenset()) -> list[dict]:
    return p600.accept(dossier=dossier, decrease_first=True, returned=returned)


PROCEDURE = register(
    Procedure(
        code="600a",
        name_vi="Báo giảm lao động tham gia BHXH, BHYT, BHTN",
        name_en="Report a decrease of insured workers",
        forms=(FormSpec("D02-LT", ("D02-LT", "D02-TS"), SCHEMAS / "d02lt.xsd"), p600.D01_TS),
        plan_codes=DECREASE_CODES,
        rules=d02lt_rules_check,
        notice_template="declarations/notices/receipt_600a.txt",
        checks_salary=False,
        results=("card_return",),
        on_accept=accept,
        row_decisions=True,
    )
)
