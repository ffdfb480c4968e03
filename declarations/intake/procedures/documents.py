"""Re-issue and change of books and cards (cấp lại, đổi, điều chỉnh sổ BHXH, thẻ BHYT):
procedures 603, 607 and 610, each a TK1-TS per person with a reason code (``LyDo``).

The person must be known to the registry and work for the filing unit; the reason decides
what is re-issued and, for 607 and 610, the legal time limit's case.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.refusals import codes_register, err
from declarations.intake.procedures.d02lt import BHXH, tk1_rows
from declarations.intake.procedures.forms import dossier_forms
from declarations.people.models import EmploymentSpell, Person
from declarations.people.services import documents_reissue

codes_register(
    "documents",
    "Books and cards: re-issue and change",
    {
        "ROW_REASON_CODE": _("Reason {value} cannot be used with procedure {procedure}."),
        "ROW_PERSON_UNKNOWN": _("No insured person has social-insurance number {value}."),
        "ROW_PERSON_NOT_IN_UNIT": _("{value} does not work for this unit."),
        "ROW_NOTHING_CHANGES": _("Say what changes: the new data or the new hospital."),
    },
)

# LyDo → (Vietnamese, English).
REASONS = {
    "MAT": ("Mất", "Lost"),
    "HONG": ("Hỏng, rách", "Damaged"),
    "DOI_TT": ("Thay đổi thông tin nhân thân", "Personal data changed"),
    "DOI_KCB": ("Đổi nơi đăng ký KCB ban đầu", "New first-contact hospital"),
}
IDENTITY = {"HoTen": "full_name", "NgaySinh": "birth_date", "GioiTinh": "sex", "CMND": "citizen_id"}


def requests_of(forms: dict) -> list[dict]:
    """The TK1-TS people of ``forms`` as re-issue requests."""
    requests = []
    for root in forms.get("TK1-TS") or []:
        for row in tk1_rows(root):
            hospital = row.get("MaBenhVien", "")
            province = row.get("MaTinhBenhVien", "")
            if hospital and province and not hospital.startswith(province):
                hospital = f"{province}{hospital}"
            requests.append(
                {
                    "stt": row["_stt"],
                    "line": row["_line"],
                    "number": row.get("MasoBHXH", ""),
                    "reason": row.get("LyDo", "").upper(),
                    "identity": {v: row.get(k, "") for k, v in IDENTITY.items()},
                    "hospital": hospital,
                }
            )
    return requests


def rules_for(*, reasons: frozenset[str], needs_change: frozenset[str], case_of):
    """The rules of one of these procedures: ``reasons`` it takes, the reasons that must
    declare a change, and ``case_of(requests, employer)`` → the time limit's case."""

    def rules(*, procedure, forms: dict, employer, period=None, tables=None):
        requests = requests_of(forms)
        errors = []

        def add(code, request, field, **params):
            errors.append(
                err(
                    code,
                    form="TK1-TS",
                    row=request["stt"],
                    field=field,
                    line=request["line"],
                    **params,
                )
            )

        numbers = {r["number"] for r in requests if BHXH.match(r["number"])}
        known = set(Person.objects.filter(number__in=numbers).values_list("number", flat=True))
        working = set(
            EmploymentSpell.objects.filter(
                person__number__in=known, employer=employer, to_month__isnull=True
            ).values_list("person__number", flat=True)
        )
        for r in requests:
            if not BHXH.match(r["number"]):
                add("ROW_BHXH_FORMAT", r, "MasoBHXH", value=r["number"] or "—")
            elif r["number"] not in known:
                add("ROW_PERSON_UNKNOWN", r, "MasoBHXH", value=r["number"])
            elif r["number"] not in working:
                add("ROW_PERSON_NOT_IN_UNIT", r, "MasoBHXH", value=r["number"])
            if r["reason"] not in reasons:
                add(
                    "ROW_REASON_CODE", r, "LyDo", value=r["reason"] or "—", procedure=procedure.code
                )
            elif r["reason"] in needs_change and not (
                any(r["identity"].values()) if r["reason"] == "DOI_TT" else r["hospital"]
            ):
                add("ROW_NOTHING_CHANGES", r, "Noidung_Thaydoi")
        if not requests:
            return [err("FORM_NO_ROWS", form="TK1-TS")], {}
        summary = {"workers": len(requests), "time_case": case_of(requests, employer)}
        return errors, summary

    return rules


def accept_for(*, book: bool, card: bool):
    """The acceptance effect: re-issue the book and/or the card of each request."""

    def accept(*, dossier) -> list[dict]:
        requests = [{**r, "book": book, "card": card} for r in requests_of(dossier_forms(dossier))]
        return documents_reissue(dossier=dossier, requests=requests)

    return accept
