"""Procedure 604: đăng ký, thay đổi thông tin đóng BHXH, BHYT, BHTN của đơn vị.

The unit declares its own changed data on TK3-TS (name, address, tax code, bank account,
contact, how results reach it), signed and filed like every dossier; the office decides, and
acceptance applies the change to the unit and keeps it in the unit's history
(:func:`declarations.employers.services.unit_data_change`). The checks are the employers'
(:mod:`declarations.employers.unit_data`), so the page that drafts the form refuses alike.
"""

from __future__ import annotations

from django.utils import timezone
from lxml import etree

from declarations.employers.procedures import FormSpec, Procedure, register
from declarations.employers.services import unit_data_change
from declarations.employers.unit_data import BY_ATTR, FORM, unit_data_check
from declarations.intake.envelope import SCHEMAS, envelope_build, tk3ts_build
from declarations.intake.procedures.forms import dossier_forms


def tk3_cells(root: etree._Element) -> tuple[dict[str, str], dict[str, int]]:
    """The cells of a TK3-TS (tag → stripped text) and their XML lines."""
    declared, lines = {}, {}
    unit = root.find("NoiDung/DonVi")
    for cell in unit if unit is not None else ():
        if isinstance(cell.tag, str):
            declared[cell.tag] = (cell.text or "").strip()
            lines[cell.tag] = cell.sourceline
    return declared, lines


def rules_check(*, procedure, forms: dict, employer, **kwargs):
    """At least one real change, every declared cell well formed, the same company."""
    roots = forms.get(FORM) or []
    if not roots:
        return [], {}
    declared, lines = tk3_cells(roots[0])
    problems, changes = unit_data_check(employer=employer, declared=declared, lines=lines)
    return problems, {"changes": len(changes)}


def accept(*, dossier) -> list[dict]:
    """The accepted change applied to the unit; one result row per changed field (in the keys
    the result notice's table reads, with ``change``: the old and new value)."""
    roots = dossier_forms(dossier).get(FORM) or []
    declared = tk3_cells(roots[0])[0] if roots else {}
    changed = unit_data_change(
        employer=dossier.employer,
        declared=declared,
        dossier_id=dossier.pk,
        transaction_code=dossier.transaction_code,
    )
    return [
        {
            "stt": n,
            "name": BY_ATTR[row.field].label_vi,
            "number": "",
            "plan": PROCEDURE.code,
            "field": row.field,
            "change": {"old": row.old_value, "new": row.new_value},
        }
        for n, row in enumerate(changed, start=1)
    ]


def draft(*, employer, fields: dict[str, str]) -> bytes:
    """The unsigned 604 envelope carrying a TK3-TS of ``fields`` (cell → value), for this
    month's period, to download and sign."""
    return envelope_build(
        employer=employer,
        procedure=PROCEDURE,
        period=timezone.localdate().strftime("%m/%Y"),
        files=[(FORM, f"{FORM}.xml", "xml", tk3ts_build(fields))],
    )


PROCEDURE = register(
    Procedure(
        code="604",
        name_vi="Đăng ký, thay đổi thông tin đóng BHXH, BHYT, BHTN của đơn vị",
        name_en="Register or change the unit's contribution data",
        forms=(FormSpec(FORM, (FORM,), SCHEMAS / "tk3ts.xsd"),),
        plan_codes=frozenset(),
        rules=rules_check,
        notice_template="declarations/notices/receipt_604.txt",
        checks_salary=False,
        results=("unit_data",),
        on_accept=accept,
        envelope_draft=draft,
    )
)
