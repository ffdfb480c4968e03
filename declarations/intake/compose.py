"""Composing a dossier in the browser (lập hồ sơ): the D02-LT rows and the TK1-TS
declarations of new workers typed on the compose page, checked as intake will check them
(the procedure's rules on both forms, and the TK1-TS fields), then built into an unsigned
envelope for the unit to sign.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from lxml import etree

from core.refusals import Problem, codes_register, err
from declarations.dossiers.content import GENDER, label
from declarations.employers.pki.parsing import hardened_parser
from declarations.employers.procedures import REGISTRY
from declarations.intake.envelope import (
    D02_FIELDS,
    HOUSEHOLD_FIELDS,
    d02lt_build,
    envelope_build,
    tk1ts_build,
)
from declarations.intake.procedures.d02lt import (
    ALLOWANCES,
    BHXH,
    CCCD,
    is_date,
    parse_month,
    tk1_index,
    tk1_of,
)
from declarations.people.plans import DECREASE, INCREASE, PLAN_CODES

GROUP = ("compose", "Composing in the browser and importing .xlsx")
codes_register(
    *GROUP,
    {
        "TK1_PHONE_FORMAT": _("Phone number {value} is not a phone number (8 to 15 digits)."),
        "TK1_EMAIL_FORMAT": _("E-mail address {value} is not valid."),
        "TK1_PROVINCE_FORMAT": _("Province code {value} must be exactly 2 digits."),
    },
)

D02_COLUMNS = [f for f in D02_FIELDS if f != "STT"]
# The TK1-TS fields a new worker declares, in the official form's order.
TK1_COLUMNS = [
    "HoTen",
    "NgaySinh",
    "GioiTinh",
    "QuocTich",
    "DanToc",
    "Diachi_KS",
    "Diachi_NN",
    "Dienthoai_LH",
    "CMND",
    "Email_LH",
    "MaTinhBenhVien",
    "MaBenhVien",
]
HOUSEHOLD_COLUMNS = list(HOUSEHOLD_FIELDS)
TK1_REQUIRED = (
    "HoTen",
    "NgaySinh",
    "GioiTinh",
    "QuocTich",
    "DanToc",
    "Diachi_KS",
    "Diachi_NN",
    "MaTinhBenhVien",
    "MaBenhVien",
)
MEMBER_REQUIRED = ("HoTen", "QuanHe")
# What a TK1-TS takes over from the worker's D02-LT row when the page offers it.
IDENTITY = ("HoTen", "NgaySinh", "GioiTinh", "CMND")
MAX_ROWS = 5000
MAX_MEMBERS = 50  # the TK1-TS schema's limit of household members
MAX_VALUE = 200
PHONE = re.compile(r"^\+?\d{8,15}$")
PROVINCE = re.compile(r"^\d{2}$")
# Where a household member's problem is (the member's place in its TK1-TS row).
MEMBER_PATH = re.compile(r"^ThanhVienHoGiaDinh/ThanhVien\[(\d+)\]/")
# Characters XML 1.0 cannot carry: pasted from spreadsheets, they would break the builder.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(value) -> str:
    """A posted or imported value as a form field holds it."""
    return NOT_XML.sub("", str(value if value is not None else "")).strip()[:MAX_VALUE]


def composable_procedures() -> list:
    """The procedures whose dossier is a D02-LT list (the page composes those)."""
    return [REGISTRY[code] for code in sorted(REGISTRY) if REGISTRY[code].form("D02-LT")]


def heading(field: str) -> str:
    """The official heading of ``field`` (Vietnamese; English through gettext)."""
    return str(label(field))


def gender_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in GENDER.items()]


def plan_choices(procedure) -> list[tuple[str, str]]:
    """(code, "TM – Tăng mới") for the plan codes ``procedure`` takes, in the catalogue's order.
    DC is a raise and a cut: a procedure taking both directions shows both names."""
    language = translation.get_language() or "vi"
    codes = procedure.plan_codes
    directions = {
        direction
        for direction, only in (
            ("increase", INCREASE - DECREASE),
            ("decrease", DECREASE - INCREASE),
        )
        if codes & only
    } or {"increase", "decrease"}
    names: dict[str, list[str]] = {}
    for (direction, code), plan in PLAN_CODES.items():
        if code in codes and direction in directions:
            names.setdefault(code, []).append(plan.name(language))
    return [(code, f"{code} – {' / '.join(found)}") for code, found in names.items()]


# --- what the page posts ----------------------------------------------------------------------
def _json_list(text: str | None) -> list:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _columns(post, prefix: str, fields) -> list[dict]:
    """Rows from repeated fields ``<prefix><field>`` (the page without its script)."""
    lists = {f: post.getlist(f"{prefix}{f}") for f in fields}
    count = min(max(map(len, lists.values()), default=0), MAX_ROWS)
    return [{f: clean(v[i]) if i < len(v) else "" for f, v in lists.items()} for i in range(count)]


def _rows_of(items: list) -> list[dict]:
    return [{f: clean(r.get(f, "")) for f in D02_COLUMNS} for r in items if isinstance(r, dict)]


def _people_of(items: list) -> list[dict]:
    people = []
    for item in items:
        if not isinstance(item, dict):
            continue
        members = item.get("household") if isinstance(item.get("household"), list) else []
        person = {f: clean(item.get(f, "")) for f in TK1_COLUMNS}
        person["household"] = [
            {f: clean(m.get(f, "")) for f in HOUSEHOLD_COLUMNS}
            for m in members[:MAX_MEMBERS]
            if isinstance(m, dict)
        ]
        people.append(person)
    return people


def rows_posted(post) -> list[dict]:
    """The D02-LT rows of a compose request: its ``rows_json`` (the script sends one JSON
    field, so a long list stays under the request's field limit), else its cells followed by
    the rows the page did not render (``rows_more``)."""
    if "rows_json" in post:
        return _rows_of(_json_list(post.get("rows_json"))[:MAX_ROWS])
    rows = _columns(post, "cell-", D02_COLUMNS) + _rows_of(_json_list(post.get("rows_more")))
    return rows[:MAX_ROWS]


def people_posted(post) -> list[dict]:
    """The TK1-TS declarations of a compose request, each with its ``household``."""
    if "people_json" in post or "rows_json" in post:
        return _people_of(_json_list(post.get("people_json"))[:MAX_ROWS])
    people = _columns(post, "tk1-", TK1_COLUMNS)
    keys = post.getlist("tk1-key")
    by_key = {}
    for index, person in enumerate(people):
        person["household"] = []
        by_key.setdefault(keys[index] if index < len(keys) else "", person)
    owners = post.getlist("hh-owner")
    for index, member in enumerate(_columns(post, "hh-", HOUSEHOLD_COLUMNS)):
        owner = by_key.get(owners[index] if index < len(owners) else None)
        if owner is not None and len(owner["household"]) < MAX_MEMBERS:
            owner["household"].append(member)
    people += _people_of(_json_list(post.get("people_more")))
    return people[:MAX_ROWS]


def blank(item: dict) -> bool:
    """Nothing typed (a household list alone does not make a person)."""
    return not any(v for k, v in item.items() if k != "household") and not item.get("household")


def tk1_from_row(row: dict) -> dict:
    """A TK1-TS declaration started from a D02-LT row (identity copied, the rest to fill)."""
    person = {f: "" for f in TK1_COLUMNS}
    person.update({f: row.get(f, "") for f in IDENTITY})
    person["household"] = []
    return person


# --- checks -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Found:
    """A problem and the id of the page's input it concerns (None: the list as a whole)."""

    problem: Problem
    cell: str | None = None

    def as_dict(self) -> dict:
        data = self.problem.as_dict()
        data["cell"] = self.cell
        data["where"] = where(self.problem)
        return data


def where(problem: Problem) -> str:
    place = problem.location
    parts = [place.form] if place.form else []
    if place.row is not None:
        parts.append(gettext("row %(n)s") % {"n": place.row})
    if place.field:
        member = MEMBER_PATH.match(place.field)
        if member:
            parts.append(gettext("household member %(n)s") % {"n": member.group(1)})
        parts.append(heading(place.field.rsplit("/", 1)[-1]))
    return " · ".join(parts)


def _parse(data: bytes) -> etree._Element:
    # Built here from escaped text: the hardened parser only keeps line numbers for the rules.
    return etree.fromstring(data, hardened_parser())


def _cell_of(problem: Problem) -> str | None:
    place = problem.location
    if place.row is None or not place.field:
        return None
    if place.form == "D02-LT":
        return f"d02-{place.row}-{place.field}"
    if place.form == "TK1-TS":
        return f"tk1-{place.row}-{place.field}"
    return None


def tk1_fields_check(people: list[dict]) -> list[Found]:
    """The TK1-TS fields of each new worker and of their household members (intake stores
    them as typed; the page asks for what the official form requires)."""
    found: list[Found] = []
    for p, person in enumerate(people, start=1):
        found += _person_check(p, person)
        for m, member in enumerate(person.get("household") or [], start=1):
            found += _member_check(p, m, member)
    return found


def _person_check(p: int, person: dict) -> list[Found]:
    found = []

    def add(code, field, **params):
        problem = err(code, form="TK1-TS", row=p, field=field, **params)
        found.append(Found(problem, f"tk1-{p}-{field}"))

    for field in TK1_REQUIRED:
        if not person.get(field):
            add("ROW_REQUIRED", field)
    _identity_check(person, add)
    phone = re.sub(r"[\s.\-()]", "", person.get("Dienthoai_LH", ""))
    if phone and not PHONE.match(phone):
        add("TK1_PHONE_FORMAT", "Dienthoai_LH", value=person["Dienthoai_LH"])
    email = person.get("Email_LH", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            add("TK1_EMAIL_FORMAT", "Email_LH", value=email)
    province = person.get("MaTinhBenhVien", "")
    if province and not PROVINCE.match(province):
        add("TK1_PROVINCE_FORMAT", "MaTinhBenhVien", value=province)
    return found


def _member_check(p: int, m: int, member: dict) -> list[Found]:
    found = []

    def add(code, field, **params):
        path = f"ThanhVienHoGiaDinh/ThanhVien[{m}]/{field}"
        problem = err(code, form="TK1-TS", row=p, field=path, **params)
        found.append(Found(problem, f"hh-{p}-{m}-{field}"))

    for field in MEMBER_REQUIRED:
        if not member.get(field):
            add("ROW_REQUIRED", field)
    bhxh = member.get("MasoBHXH", "")
    if bhxh and not BHXH.match(bhxh):
        add("ROW_BHXH_FORMAT", "MasoBHXH", value=bhxh)
    _identity_check(member, add)
    return found


def _identity_check(item: dict, add) -> None:
    birth = item.get("NgaySinh", "")
    if birth and not is_date(birth):
        add("ROW_DATE_FORMAT", "NgaySinh", value=birth)
    gender = item.get("GioiTinh", "")
    if gender and gender not in GENDER:
        add("ROW_GENDER", "GioiTinh", value=gender)
    cccd = item.get("CMND", "")
    if cccd and not CCCD.match(cccd):
        add("ROW_CCCD_FORMAT", "CMND", value=cccd)


def compose_lists_check(
    *, procedure, employer, period: str, rows: list[dict], people: list[dict]
) -> tuple[list[Found], dict]:
    """Every problem intake would find in the composed dossier, and the TK1-TS fields' own;
    nothing is written."""
    found = []
    month = parse_month(period)
    if month is None:
        found.append(Found(err("PERIOD_FORMAT", value=period or "—"), "period"))
    forms = {"D02-LT": [_parse(d02lt_build(rows))]}
    if people:
        if procedure.form("TK1-TS") is None:
            found.append(Found(err("FORM_UNKNOWN", form="TK1-TS", procedure=procedure.code)))
        else:
            forms["TK1-TS"] = [_parse(tk1ts_build(people))]
    errors, summary = procedure.rules(
        procedure=procedure, forms=forms, employer=employer, period=month
    )
    found += [Found(problem, _cell_of(problem)) for problem in errors]
    return found + tk1_fields_check(people), summary


def tk1_missing(*, procedure, rows: list[dict], people: list[dict]) -> list[dict]:
    """The new workers without a number and without a TK1-TS, {n: row (1-based), name}: the
    page offers a declaration for each (the rule ROW_TK1_REQUIRED, same matching)."""
    if procedure.form("TK1-TS") is None:
        return []
    index = tk1_index({"TK1-TS": [_parse(tk1ts_build(people))]}) if people else {}
    return [
        {"n": n, "name": row.get("HoTen", "")}
        for n, row in enumerate(rows, start=1)
        if row.get("PA") == "TM" and not row.get("MasoBHXH") and tk1_of(row, index) is None
    ]


def compose_envelope(
    *, employer, procedure, period: str, rows: list[dict], people: list[dict]
) -> bytes:
    """The unsigned envelope: the D02-LT, and the TK1-TS when new workers declare one."""
    files = [("D02-LT", "D02-LT.xml", "xml", d02lt_build(rows))]
    if people:
        files.append(("TK1-TS", "TK1-TS.xml", "xml", tk1ts_build(people)))
    return envelope_build(employer=employer, procedure=procedure, period=period, files=files)


# --- the page's grid --------------------------------------------------------------------------
# The page renders as many cells as it can post back without its script (Django refuses a
# request of more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields; a few are the form's own) and
# at most 200 rows (5,000 made a 30 MB page); the rest reach it as JSON for the script to add.
RENDERED_MAX = 200
OWN_FIELDS = 20


def _rendered(rows: list[dict], people: list[dict]) -> tuple[int, int]:
    """How many rows and declarations the page renders as cells."""
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    budget = (limit - OWN_FIELDS) if limit else len(D02_COLUMNS) * RENDERED_MAX * 2
    n_rows = min(len(rows), RENDERED_MAX, budget // len(D02_COLUMNS))
    budget -= n_rows * len(D02_COLUMNS)
    n_people = 0
    for person in people[:RENDERED_MAX]:
        members = len(person.get("household") or [])
        cost = len(TK1_COLUMNS) + 1 + (len(HOUSEHOLD_COLUMNS) + 1) * members
        if cost > budget:
            break
        budget -= cost
        n_people += 1
    return n_rows, n_people


SIZES = {"HoTen": 20, "NoiLamViec": 14, "ChucVu": 14, "Ghichu": 14, "CMND": 13, "NgaySinh": 10}
NUMERIC = {"MasoBHXH", "CMND", "TienLuong", "TyleDong", "MaTinhBenhVien"} | set(ALLOWANCES)


def _options(choices: list[tuple[str, str]], value: str) -> list[tuple[str, str]]:
    """A select's options; a value it does not list stays, so nothing typed is lost."""
    options = [("", "—"), *choices]
    if value and value not in dict(choices):
        options.append((value, value))
    return options


def _json(items: list) -> str:
    return json.dumps(items, ensure_ascii=False) if items else ""


def compose_grid(
    *, procedure, rows: list[dict], people: list[dict], found: list[Found] = ()
) -> dict:
    """What the page shows: every cell with its id, heading, value and problems, the TK1-TS
    declarations with their household members, and the declarations still to make."""
    n_rows, n_people = _rendered(rows, people)
    errors: dict[str, list[str]] = {}
    for item in found:
        if item.cell:
            errors.setdefault(item.cell, []).append(str(item.problem.message))
    choices = {"GioiTinh": gender_choices(), "PA": plan_choices(procedure)}
    headings = {f: heading(f) for f in {*D02_COLUMNS, *TK1_COLUMNS, *HOUSEHOLD_COLUMNS}}

    def cell(prefix: str, field: str, value: str, name: str) -> dict:
        id_ = f"{prefix}-{field}"
        return {
            "id": id_,
            "field": field,
            "name": f"{name}-{field}",
            "heading": headings[field],
            "value": value,
            "options": _options(choices[field], value) if field in choices else None,
            "size": SIZES.get(field, 9),
            "numeric": field in NUMERIC,
            "errors": errors.get(id_),
        }

    def row(n, values: dict) -> dict:
        cells = [cell(f"d02-{n}", f, values.get(f, ""), "cell") for f in D02_COLUMNS]
        return {"n": n, "cells": cells, "invalid": any(c["errors"] for c in cells)}

    def member(p, m, values: dict, key: str) -> dict:
        cells = [cell(f"hh-{p}-{m}", f, values.get(f, ""), "hh") for f in HOUSEHOLD_COLUMNS]
        return {"n": m, "owner": key, "cells": cells}

    def person(p, values: dict) -> dict:
        key = values.get("key") or f"p{p}"
        return {
            "n": p,
            "key": key,
            "name": values.get("HoTen", ""),
            "cells": [cell(f"tk1-{p}", f, values.get(f, ""), "tk1") for f in TK1_COLUMNS],
            "members": [
                member(p, m, item, key)
                for m, item in enumerate(values.get("household") or [], start=1)
            ],
        }

    return {
        "columns": [{"field": f, "heading": headings[f]} for f in D02_COLUMNS],
        "member_columns": [{"field": f, "heading": headings[f]} for f in HOUSEHOLD_COLUMNS],
        "rows": [row(n, values) for n, values in enumerate(rows[:n_rows], start=1)],
        "rows_more": _json(rows[n_rows:]),
        "people": [person(p, values) for p, values in enumerate(people[:n_people], start=1)],
        "people_more": _json(people[n_people:]),
        "rendered": n_rows,
        "offers": tk1_missing(procedure=procedure, rows=rows, people=people),
        "blank_row": row(0, {}),
        "blank_person": person(0, {}),
        "blank_member": member(0, 0, {}, ""),
        "period_errors": errors.get("period"),
    }
