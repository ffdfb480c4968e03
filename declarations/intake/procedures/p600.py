"""Procedure 600: báo tăng, báo giảm, điều chỉnh đóng BHXH, BHYT, BHTN, BHTNLĐ-BNN.

The official catalogue files increase, decrease and adjustment under 600 (forms D02-LT
required; TK1-TS, D01-TS and attachments optional; a row reaching back before the
declared period needs its document listed in D01-TS); most I-VAN software files decreases as
600a (``p600a``). Both codings are accepted. Acceptance opens, changes or closes the
workers' spells and issues their books and cards (:mod:`declarations.people.services`).
"""

from declarations.employers.procedures import FormSpec, Procedure, register
from declarations.intake.envelope import SCHEMAS
from declarations.intake.procedures.d02lt import (
    d01_required_check,
    d02lt_rules_check,
    declared_rows,
    tk1_required_check,
)
from declarations.intake.procedures.forms import dossier_forms
from declarations.people.plans import DECREASE, INCREASE
from declarations.people.services import collector_paused, rows_apply

INCREASE_CODES = INCREASE
# Bảng kê thông tin: the documents a late or back-dated row rests on (optional form).
D01_TS = FormSpec("D01-TS", ("D01-TS",), SCHEMAS / "d01ts.xsd", required=False)


def rules_check(*, procedure, forms: dict, period=None, **kwargs):
    errors, summary = d02lt_rules_check(procedure=procedure, forms=forms, period=period, **kwargs)
    errors += tk1_required_check(procedure=procedure, forms=forms)
    return errors + d01_required_check(forms=forms, period=period), summary


def accept(*, dossier, decrease_first: bool = False, returned=frozenset()) -> list[dict]:
    """The accepted list's effects on its people; one result row per D02-LT row accepted
    (``returned``: the STTs the reviewer sent back)."""
    with collector_paused():
        declared = [d for d in declared_rows(dossier_forms(dossier)) if d.stt not in returned]
        return rows_apply(dossier=dossier, declared=declared, decrease_first=decrease_first)


PROCEDURE = register(
    Procedure(
        code="600",
        name_vi="Báo tăng, báo giảm, điều chỉnh đóng BHXH, BHYT, BHTN, BHTNLĐ, BNN",
        name_en="Report an increase, decrease or adjustment of insured workers",
        forms=(
            FormSpec("D02-LT", ("D02-LT", "D02-TS"), SCHEMAS / "d02lt.xsd"),
            FormSpec("TK1-TS", ("TK1-TS",), SCHEMAS / "tk1ts.xsd", required=False, repeatable=True),
            D01_TS,
        ),
        plan_codes=INCREASE | DECREASE,
        rules=rules_check,
        notice_template="declarations/notices/receipt_600.txt",
        results=("book", "card"),
        on_accept=accept,
        row_decisions=True,
    )
)
