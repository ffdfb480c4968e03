"""What a dossier declared, read back from its files for those who decide on it.

Each XML form becomes a table: the official Vietnamese headings (English through gettext),
only the columns some row fills, money as 1.234.567, and beside each row (STT) the problems
the procedure's rules find today. Those are empty for a dossier received under today's
tables and name the rows that a later change of the rates tables affects. A form this
module does not know is shown as tag → text; a file that cannot be read is reported on the
page, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import structlog
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.utils.translation import pgettext_lazy
from lxml import etree

from core.refusals import Problem, Refused
from declarations.dossiers.models import Dossier, DossierFile
from declarations.employers.pki.parsing import parse_untrusted
from declarations.employers.procedures import procedure_get

log = structlog.get_logger(__name__)

PER_PAGE = 200
SIGNATURE = "Cky"  # each form's own signature: not content
DSIG = "http://www.w3.org/2000/09/xmldsig#"


def _field(english: str):
    return pgettext_lazy("form field", english)


# The headings of D02-LT (D02-TS) and TK1-TS, in the forms' order; a name means the same in
# both forms. English msgids, the official Vietnamese headings in the catalogue.
LABELS = {
    "STT": _field("No."),
    "HoTen": _field("Full name"),
    "MasoBHXH": _field("Social insurance number"),
    "NgaySinh": _field("Date of birth"),
    "GioiTinh": _field("Male/Female"),
    "QuocTich": _field("Nationality"),
    "DanToc": _field("Ethnicity"),
    "CMND": _field("Citizen ID / personal ID / passport number"),
    "ChucVu": _field("Rank, position, job title"),
    "NoiLamViec": _field("Workplace"),
    "TienLuong": _field("Salary"),
    "HeSo": _field("Coefficient"),
    "PhuCapCV": _field("Position allowance"),
    "PhuCapTNVK": _field("Seniority allowance beyond the scale"),
    "PhuCapTNNghe": _field("Occupational seniority allowance"),
    "PhuCapLuong": _field("Salary allowances"),
    "PhuCapBosung": _field("Additional payments"),
    "TuThang": _field("From month"),
    "DenThang": _field("To month"),
    "PA": _field("Plan"),
    "TyleDong": _field("Contribution rate"),
    "Ghichu": _field("Notes"),
    "TinhLai": _field("Interest charged"),
    "DaCoSo": _field("Already has a book"),
    "MucHuong": _field("Benefit level"),
    "MaPhongBan": _field("Department code"),
    "MavungSS": _field("Living-area code"),
    "MavungLTT": _field("Minimum-wage zone"),
    "ID": _field("Identifier"),
    "Loai": _field("Type"),
    "CoGiamChet": _field("Decrease by death"),
    "NgayChet": _field("Date of death"),
    "Vtvl_nql_tungay": _field("Manager position from"),
    "Vtvl_nql_denngay": _field("Manager position to"),
    "Vtvl_cmktbc_tungay": _field("High-level professional position from"),
    "Vtvl_cmktbc_denngay": _field("High-level professional position to"),
    "Vtvl_cmktbt_tungay": _field("Mid-level professional position from"),
    "Vtvl_cmktbt_denngay": _field("Mid-level professional position to"),
    "Vtvl_khac_tungay": _field("Other position from"),
    "Vtvl_khac_denngay": _field("Other position to"),
    "Nndh_tungay": _field("Heavy or hazardous work from"),
    "Nndh_denngay": _field("Heavy or hazardous work to"),
    "Hdld_tungay": _field("Open-ended labour contract from"),
    "Hdld_xdth_tungay": _field("Fixed-term labour contract from"),
    "Hdld_xdth_denngay": _field("Fixed-term labour contract to"),
    "Hdld_khac_tungay": _field("Other labour contract from"),
    "Hdld_khac_denngay": _field("Other labour contract to"),
    # TK1-TS only
    "Matinh_KS": _field("Birth registration: province code"),
    "Mahuyen_KS": _field("Birth registration: district code"),
    "Maxa_KS": _field("Birth registration: commune code"),
    "Diachi_KS": _field("Birth registration address"),
    "Ten_ChaMe_Giamho": _field("Father, mother or guardian"),
    "Dienthoai_LH": _field("Contact phone"),
    "Email_LH": _field("Contact e-mail"),
    "Diachi_NN": _field("Address for the results"),
    "Matinh_NN": _field("Address for the results: province code"),
    "Mahuyen_NN": _field("Address for the results: district code"),
    "Maxa_NN": _field("Address for the results: commune code"),
    "Maho_Giadinh": _field("Household code"),
    "Mucdong": _field("Contribution amount"),
    "Phuongthuc": _field("Payment method"),
    "MaTinhBenhVien": _field("Province code of the first-contact hospital"),
    "MaBenhVien": _field("First-contact hospital code"),
    "Noidung_Thaydoi": _field("Change requested"),
    "HosoKemtheo": _field("Documents attached"),
    "PhuLuc": _field("Appendix"),
    "ThanhVienHoGiaDinh": _field("Household members"),
    "QuanHe": _field("Relationship to the head of household"),
    # D01-TS only
    "LoaiVanBan": _field("Type of document"),
    "SoHieuVanBan": _field("Document number"),
    "NgayBanHanh": _field("Date issued"),
    "NgayHieuLuc": _field("Date in force"),
    "CoQuanBanHanh": _field("Issued by"),
    "TrichYeu": _field("Summary"),
    "NoiDungThamDinh": _field("Content to verify"),
    # D02-LT's header (ThongTinKhac)
    "SoToBiaSoBHXH": _field("Book covers"),
    "SoToRoiSoBHXH": _field("Book loose sheets"),
    "SoTheBHYT": _field("Health insurance cards"),
}
MONEY = frozenset(
    {"TienLuong", "PhuCapCV", "PhuCapTNVK", "PhuCapTNNghe", "PhuCapLuong", "PhuCapBosung"}
    | {"Mucdong"}
)
# 1 male, 0 female: the coding of the rule ROW_GENDER and of the people's records.
GENDER = {"1": _field("Male"), "0": _field("Female")}
ORDER = {name: index for index, name in enumerate(LABELS)}


def label(name: str):
    """The heading of field ``name``; an unknown field keeps its XML name."""
    return LABELS.get(name, name)


def cell(name: str, text: str) -> str:
    """``text`` of field ``name`` as a reader expects it (money 1.234.567, Nam/Nữ)."""
    if name in MONEY:
        digits = text.replace(".", "").replace(",", "")
        return f"{int(digits):,}".replace(",", ".") if digits.isdigit() else text
    if name == "GioiTinh":
        return str(GENDER.get(text, text))
    return text


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A file's type (LoaiFile) → its content type and whether the browser shows it; any other
# type is downloaded as bytes.
MEDIA = {
    "pdf": ("application/pdf", True),
    "jpg": ("image/jpeg", True),
    "jpeg": ("image/jpeg", True),
    "png": ("image/png", True),
    # XML as text: the browser shows the source, applies no stylesheet, renders no XHTML.
    "xml": ("text/plain; charset=utf-8", True),
    "xlsx": (XLSX, False),
}


def file_media(f: DossierFile) -> tuple[str, bool, str]:
    """(content type, shown inline, file name) of ``f``; the name ends in its type, so a
    download is opened by the program for that type whatever the sender called it."""
    content_type, inline = MEDIA.get(f.kind, ("application/octet-stream", False))
    name = (f.name or "").replace("\\", "/").rsplit("/", 1)[-1] or f"tep-{f.position}"
    if f.kind and not name.lower().endswith(f".{f.kind}"):
        name = f"{name}.{f.kind}"
    return content_type, inline, name


@dataclass
class Row:
    stt: int
    cells: list[tuple[str, bool]]  # (text, is a number: aligned right)
    problems: list[tuple[object, Problem]] = field(default_factory=list)  # (heading, problem)
    # What other apps know of the row (the person's current record): (heading, text, differs).
    notes: list[tuple[object, str, bool]] = field(default_factory=list)


# Apps above this one annotate a page of rows without this app importing them: each
# registers ``func(dossier, form_code, rows, user) -> {index: [(heading, text, differs)]}``
# from its ``AppConfig.ready()`` (``rows``: the page's rows as {field: text}; ``user``: who
# looks, so each app shows only what that user may see).
_ROW_NOTES: list = []


def row_notes_register(func) -> None:
    if func not in _ROW_NOTES:
        _ROW_NOTES.append(func)


@dataclass
class FormTable:
    """One file of the dossier as a table; ``error`` when it could not be read."""

    file: DossierFile
    columns: list = field(default_factory=list)  # headings
    rows: list[Row] = field(default_factory=list)  # this page's rows only
    page: Page | None = None
    total: int = 0
    generic: bool = False  # an unknown form: one (tag, text) row per filled element
    details: list[tuple[object, str]] = field(default_factory=list)  # the form's header
    problems: list[Problem] = field(default_factory=list)  # the form's, not a row's
    problem_rows: list[tuple[int, int]] = field(default_factory=list)  # (STT, its page)
    error: list[Problem] | None = None
    noted: bool = False  # some row carries notes (a column for them)


@dataclass
class DossierContent:
    forms: list[FormTable]
    files: list[DossierFile]
    checks_failed: bool = False  # the rules could not run (the content is shown anyway)


def dossier_content(dossier: Dossier, *, page=None, file=None, user=None) -> DossierContent:
    """The forms of ``dossier`` as tables and the list of its files. ``page`` (of
    :data:`PER_PAGE` rows) applies to the form at position ``file``, or to the first."""
    files = list(dossier.files.all())
    forms: list[FormTable] = []
    roots: dict[int, etree._Element] = {}
    for f in files:
        if f.kind != "xml":
            continue
        try:
            roots[f.position] = parse_untrusted(
                f.data(), limit=settings.INTAKE_MAX_FILES_BYTES, form=f.form_code or None
            )
        except Refused as refusal:
            forms.append(FormTable(file=f, error=refusal.errors))
        except (etree.XMLSyntaxError, ValueError, IndexError) as exc:
            # The envelope (where data() finds the bytes) did not parse, decode or hold it.
            log.warning("dossier_file_unreadable", dossier_id=dossier.pk, error=str(exc))
            forms.append(FormTable(file=f, error=[]))
        else:
            forms.append(FormTable(file=f))
    problems, checks_failed = _rules_run(dossier, files, roots)
    wanted = str(file) if file not in (None, "") else None
    first = True
    for table in forms:
        root = roots.get(table.file.position)
        if root is None:
            continue
        here = wanted == str(table.file.position) or (wanted is None and first)
        first = False
        _table_fill(
            table, root, problems.get(table.file.position, []), page if here else 1, dossier, user
        )
    return DossierContent(forms=forms, files=files, checks_failed=checks_failed)


def _rules_run(dossier, files, roots) -> tuple[dict[int, list[Problem]], bool]:
    """The procedure's rules over the forms as they stand, under today's money tables (the
    rules' default): their problems by the position of the file they concern, and whether
    they could not run."""
    procedure = procedure_get(dossier.procedure_code)
    if procedure is None or not roots:
        return {}, False
    forms: dict[str, list] = {}
    first_of: dict[str, int] = {}  # a form's rules read its first file, as at intake
    for f in files:
        root = roots.get(f.position)
        spec = procedure.form(f.form_code) if root is not None else None
        if spec is not None and root.tag in spec.roots:
            forms.setdefault(spec.code, []).append(root)
            first_of.setdefault(spec.code, f.position)
    if not forms:
        return {}, False
    try:
        found, _summary = procedure.rules(
            procedure=procedure,
            forms=forms,
            employer=dossier.employer,
            period=_month(dossier.period),
        )
    except Exception:  # noqa: BLE001  (a display: the content matters more than its checks)
        log.exception("dossier_content_checks_failed", dossier_id=dossier.pk)
        return {}, True
    by_file: dict[int, list[Problem]] = {}
    fallback = next(iter(first_of.values()))
    for problem in found:
        position = first_of.get(problem.location.form or "", fallback)
        by_file.setdefault(position, []).append(problem)
    return by_file, False


def _month(text: str) -> date | None:
    month, _sep, year = (text or "").partition("/")
    if month.isdigit() and year.isdigit() and 1 <= int(month) <= 12 and len(year) == 4:
        return date(int(year), int(month), 1)
    return None


def _table_fill(
    table: FormTable, root, problems: list[Problem], page, dossier=None, user=None
) -> None:
    # A worker per row (D02-LT, TK1-TS) or a document per row (D01-TS).
    nodes = list(root.iterfind("NoiDung/LaoDong")) or list(root.iterfind("NoiDung/VanBan"))
    if not nodes:
        _generic_fill(table, root, page)
        return
    table.details = [
        (label(n.tag), n.text.strip())
        for n in root.iterfind("ThongTinKhac/*")
        if n.text and n.text.strip()
    ]
    filled: dict[str, None] = {}  # the fields some row fills, in the order first met
    for node in nodes:
        for child in node:
            if child.tag not in filled and _carries(child):
                filled[child.tag] = None
    names = sorted(filled, key=lambda name: ORDER.get(name, len(ORDER)))  # stable: unknown last
    table.columns = [label(n) for n in names]
    # A row's problems carry its STT and its XML line (the rules read this same tree).
    by_row: dict[tuple, list[Problem]] = {}
    for problem in problems:
        if problem.location.row is None:
            table.problems.append(problem)
        else:
            by_row.setdefault((problem.location.row, problem.location.line), []).append(problem)
    keys = [(_stt(node, index), node.sourceline) for index, node in enumerate(nodes, start=1)]
    table.problem_rows = [
        (key[0], index // PER_PAGE + 1) for index, key in enumerate(keys) if key in by_row
    ]
    table.total = len(nodes)
    table.page = Paginator(range(len(nodes)), PER_PAGE).get_page(page)
    raw = []
    for index in table.page.object_list:
        values = {c.tag: _value(c) for c in nodes[index]}
        raw.append({c.tag: (c.text or "").strip() for c in nodes[index]})
        table.rows.append(
            Row(
                stt=keys[index][0],
                cells=[(values.get(n, ""), n in MONEY) for n in names],
                problems=[(label(p.location.field or ""), p) for p in by_row.get(keys[index], [])],
            )
        )
    if dossier is not None:
        for func in _ROW_NOTES:
            for index, notes in func(dossier, table.file.form_code, raw, user).items():
                table.rows[index].notes += notes
    table.noted = any(row.notes for row in table.rows)


def _carries(node) -> bool:
    """Does this field carry a value? Text, or text under it; an amount of 0 does not."""
    if len(node):
        return any(_carries(child) for child in node)
    text = (node.text or "").strip()
    return bool(text) and not (node.tag in MONEY and text.strip("0.,") == "")


def _value(node) -> str:
    """A field's text for the reader; a group (a TK1-TS's household members) as its
    members' values, "; " between members."""
    if not len(node):
        return cell(node.tag, (node.text or "").strip())
    parts = (
        ", ".join(v for v in (_value(c) for c in item) if v) if len(item) else _value(item)
        for item in node
    )
    return "; ".join(part for part in parts if part)


def _stt(node, index: int) -> int:
    """The row number the rules report: its STT when it is a number, else its place."""
    text = (node.findtext("STT") or "").strip()
    return int(text) if text.isdigit() else index


def _generic_fill(table: FormTable, root, page) -> None:
    """A form this module does not know: each element that carries text, by its path."""
    pairs = list(_leaves(root, ""))
    table.generic = True
    table.columns = [_field("XML element"), _field("Value")]
    table.total = len(pairs)
    table.page = Paginator(pairs, PER_PAGE).get_page(page)
    table.rows = [
        Row(stt=0, cells=[(path, False), (text, False)]) for path, text in table.page.object_list
    ]


def _leaves(node, path: str):
    for child in node:
        name = etree.QName(child).localname
        if name == SIGNATURE or etree.QName(child).namespace == DSIG:
            continue
        here = f"{path}/{name}" if path else name
        if len(child):
            yield from _leaves(child, here)
        elif child.text and child.text.strip():
            yield here, child.text.strip()
