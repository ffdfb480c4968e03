"""Procedure 600a: report a decrease of workers (báo giảm lao động), form D02-LT."""

from declarations.employers.procedures import FormSpec, Procedure, register
from declarations.intake.envelope import SCHEMAS
from declarations.intake.procedures.d02lt import d02lt_rules_check

DECREASE_CODES = frozenset({"GH", "GC", "GD", "DC", "KL", "TS", "OF", "SB", "TU", "GN"})

PROCEDURE = register(
    Procedure(
        code="600a",
        name_vi="Báo giảm lao động tham gia BHXH, BHYT, BHTN",
        name_en="Report a decrease of insured workers",
        forms=(FormSpec("D02-LT", ("D02-LT", "D02-TS"), SCHEMAS / "d02lt.xsd"),),
        plan_codes=DECREASE_CODES,
        rules=d02lt_rules_check,
        notice_template="declarations/notices/receipt_600a.txt",
        checks_salary=False,
    )
)
