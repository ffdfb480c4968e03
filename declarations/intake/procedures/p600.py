"""Procedure 600: report an increase of workers (báo tăng lao động), forms D02-LT + TK1-TS."""

from declarations.employers.procedures import FormSpec, Procedure, register
from declarations.intake.envelope import SCHEMAS
from declarations.intake.procedures.d02lt import d02lt_rules_check

INCREASE_CODES = frozenset({"TM", "TC", "TD", "ON", "AD", "DC", "TT", "TN", "CD"})

PROCEDURE = register(
    Procedure(
        code="600",
        name_vi="Báo tăng lao động tham gia BHXH, BHYT, BHTN",
        name_en="Report an increase of insured workers",
        forms=(
            FormSpec("D02-LT", ("D02-LT", "D02-TS"), SCHEMAS / "d02lt.xsd"),
            FormSpec("TK1-TS", ("TK1-TS",), SCHEMAS / "tk1ts.xsd", required=False, repeatable=True),
        ),
        plan_codes=INCREASE_CODES,
        rules=d02lt_rules_check,
        notice_template="declarations/notices/receipt_600.txt",
    )
)
