"""Reading and building the envelope ``Hoso/NoiDung/{ThongTinIVAN, ThongTinDonVi,
ThongTinHoSo/ToKhais/FileToKhai}`` with the employer's signature at ``Hoso/CKy_Dvi``."""

from __future__ import annotations

import base64
import binascii
import copy
import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.utils import timezone
from lxml import etree

from core.refusals import Problem, Refused, err

# The XSDs of the envelope and of the forms of each procedure.
SCHEMAS = Path(__file__).resolve().parent / "schemas"

ALLOWED_FILE_TYPES = {"xml", "pdf", "jpg", "jpeg", "xlsx"}


@dataclass
class EnvelopeFile:
    form_code: str
    name: str
    kind: str
    content: bytes
    line: int | None


def text(root: etree._Element, path: str) -> str:
    return (root.findtext(path) or "").strip()


def envelope_facts(root: etree._Element) -> dict:
    return {
        "unit_code": text(root, "NoiDung/ThongTinDonVi/MaSoBHXH"),
        "tax_code": text(root, "NoiDung/ThongTinDonVi/MaSoThue"),
        "procedure": text(root, "NoiDung/ThongTinHoSo/MaThuTuc"),
        "period": text(root, "NoiDung/ThongTinHoSo/KyKeKhai"),
        "provider_code": text(root, "NoiDung/ThongTinIVAN/MaIVAN"),
    }


XS = "{http://www.w3.org/2001/XMLSchema}"
# The envelope's complex elements: an element under them that the schema does not name is
# kept in the stored envelope and ignored (real I-VAN software adds QuyTrinhISO, MoTaToKhai…).
OPEN_ELEMENTS = (
    "Hoso",
    "NoiDung",
    "ThongTinIVAN",
    "ThongTinDonVi",
    "ThongTinHoSo",
    "ToKhais",
    "FileToKhai",
)


@functools.cache
def _known_children() -> dict[str, frozenset[str]]:
    """For each open element, the children the envelope's XSD names (read from the XSD)."""
    schema = etree.parse(str(SCHEMAS / "envelope.xsd"), etree.XMLParser(no_network=True))
    known = {}
    for element in schema.iter(f"{XS}element"):
        name = element.get("name")
        if name in OPEN_ELEMENTS:
            children = element.findall(f"{XS}complexType/{XS}sequence/{XS}element")
            known[name] = frozenset(c.get("name") for c in children)
    return known


def unknown_elements(root: etree._Element) -> list[etree._Element]:
    """Elements of the envelope its schema does not know, under its open elements."""
    known = _known_children()
    found = []
    stack = [root]
    while stack:
        node = stack.pop()
        names = known.get(node.tag)
        if names is None:
            continue
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.tag in names:
                stack.append(child)
            else:
                found.append(child)
    return found


def schema_view(root: etree._Element) -> etree._Element:
    """What the envelope's schema validates: the envelope itself, or, when it carries
    elements the schema does not know, a copy without them (line numbers kept)."""
    unknown = unknown_elements(root)
    if not unknown:
        return root
    paths = {root.getroottree().getpath(node) for node in unknown}
    view = copy.deepcopy(root)
    for node in [n for n in view.iter() if view.getroottree().getpath(n) in paths]:
        node.getparent().remove(node)
    return view


def file_nodes(root: etree._Element) -> list[etree._Element]:
    return root.findall("NoiDung/ThongTinHoSo/ToKhais/FileToKhai")


def files_count_check(root: etree._Element, *, max_files: int) -> None:
    """Cheap checks on the unverified tree, before any cryptography is spent on it."""
    nodes = file_nodes(root)
    if len(nodes) > max_files:
        raise Refused(err("FILE_TOO_MANY", count=len(nodes), limit=max_files))


def envelope_files(root: etree._Element, *, max_files: int, max_bytes: int) -> list[EnvelopeFile]:
    """Decode the files of the (verified) envelope; every problem of every file reported."""
    nodes = file_nodes(root)
    errors: list[Problem] = []
    if len(nodes) > max_files:
        raise Refused(err("FILE_TOO_MANY", count=len(nodes), limit=max_files))
    declared = text(root, "NoiDung/ThongTinHoSo/SoLuongFile")
    if declared != str(len(nodes)):
        errors.append(err("FILE_COUNT_MISMATCH", value=declared, count=len(nodes)))
    files, total = [], 0
    for node in nodes:
        name = text(node, "TenFile")
        kind = text(node, "LoaiFile").lower().lstrip(".")
        line = node.sourceline
        if kind not in ALLOWED_FILE_TYPES:
            errors.append(err("FILE_TYPE", line=line, value=kind or "—"))
            continue
        try:
            content = base64.b64decode(
                "".join((node.findtext("NoiDungFile") or "").split()), validate=True
            )
        except (binascii.Error, ValueError):
            errors.append(err("FILE_BASE64", line=line, name=name))
            continue
        declared_len = text(node, "DoDaiFile")
        if declared_len != str(len(content)):
            errors.append(
                err("FILE_LENGTH", line=line, name=name, value=declared_len, actual=len(content))
            )
        total += len(content)
        files.append(EnvelopeFile(text(node, "MaToKhai"), name, kind, content, line))
    if total > max_bytes:
        errors.append(err("FILE_TOO_LARGE", limit=max_bytes))
    if errors:
        raise Refused(errors)
    return files


def envelope_build(
    *,
    employer,
    procedure,
    period: str,
    files: list[tuple[str, str, str, bytes]],
    provider=None,
    signer_name: str = "",
    made_on: date | None = None,
) -> bytes:
    """An unsigned envelope for ``files`` [(form code, file name, kind, content)]."""
    hoso = etree.Element("Hoso")
    noi_dung = etree.SubElement(hoso, "NoiDung")
    if provider is not None:
        ivan = etree.SubElement(noi_dung, "ThongTinIVAN")
        etree.SubElement(ivan, "MaIVAN").text = provider.code
        etree.SubElement(ivan, "TenIVAN").text = provider.name
    unit = etree.SubElement(noi_dung, "ThongTinDonVi")
    for tag, value in (
        ("TenDoiTuong", employer.name),
        ("MaSoBHXH", employer.unit_code),
        ("LoaiDoiTuong", "1"),
        ("MaSoThue", employer.tax_code),
        ("NguoiKy", signer_name),
        ("DienThoai", employer.contact_phone),
        ("CoQuanQuanLy", employer.managing_office.code),
    ):
        etree.SubElement(unit, tag).text = value or ""
    info = etree.SubElement(noi_dung, "ThongTinHoSo")
    etree.SubElement(info, "TenThuTuc").text = procedure.name_vi
    etree.SubElement(info, "MaThuTuc").text = procedure.code
    etree.SubElement(info, "KyKeKhai").text = period
    etree.SubElement(info, "NgayLap").text = (made_on or timezone.localdate()).strftime("%d/%m/%Y")
    etree.SubElement(info, "SoLuongFile").text = str(len(files))
    to_khais = etree.SubElement(info, "ToKhais")
    for code, name, kind, content in files:
        node = etree.SubElement(to_khais, "FileToKhai")
        etree.SubElement(node, "MaToKhai").text = code
        etree.SubElement(node, "TenFile").text = name
        etree.SubElement(node, "LoaiFile").text = kind
        etree.SubElement(node, "DoDaiFile").text = str(len(content))
        etree.SubElement(node, "NoiDungFile").text = base64.b64encode(content).decode()
    etree.SubElement(hoso, "CKy_Dvi")
    return etree.tostring(hoso, xml_declaration=True, encoding="utf-8")


D02_FIELDS = [
    "STT",
    "HoTen",
    "MasoBHXH",
    "NgaySinh",
    "GioiTinh",
    "CMND",
    "ChucVu",
    "NoiLamViec",
    "TienLuong",
    "PhuCapCV",
    "PhuCapTNVK",
    "PhuCapTNNghe",
    "PhuCapLuong",
    "PhuCapBosung",
    "TuThang",
    "DenThang",
    "PA",
    "TyleDong",
    "Ghichu",
]


def d02lt_build(rows: list[dict]) -> bytes:
    """An unsigned D02-LT list from rows (dicts keyed by the D02-LT field names)."""
    root = etree.Element("D02-LT")
    noi_dung = etree.SubElement(root, "NoiDung")
    for index, row in enumerate(rows, start=1):
        node = _numbered_row(noi_dung, "LaoDong", index, row, D02_FIELDS)
        for name in D02_OPTIONAL:
            if row.get(name):
                etree.SubElement(node, name).text = str(row[name])
    return _form_bytes(root)


def _numbered_row(parent, tag: str, index: int, row: dict, fields) -> etree._Element:
    """One row of a list form: a cell per name of ``fields``, ``STT`` its number."""
    node = etree.SubElement(parent, tag)
    for name in fields:
        value = str(index) if name == "STT" else row.get(name, "")
        etree.SubElement(node, name).text = "" if value is None else str(value)
    return node


def _form_bytes(root: etree._Element) -> bytes:
    """An unsigned form: its signature's place (``Cky``) left empty, as UTF-8 XML."""
    etree.SubElement(root, "Cky")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


# Optional D02-LT fields written only when a row has them.
D02_OPTIONAL = ("HeSo", "MucHuong", "MaBenhVien")
TK1_FIELDS = [
    "STT",
    "HoTen",
    "NgaySinh",
    "GioiTinh",
    "QuocTich",
    "DanToc",
    "Diachi_KS",
    "Diachi_NN",
    "MasoBHXH",
    "Dienthoai_LH",
    "CMND",
    "Maho_Giadinh",
    "MaTinhBenhVien",
    "MaBenhVien",
    "Email_LH",
    "Noidung_Thaydoi",
    "LyDo",
]
HOUSEHOLD_FIELDS = ("HoTen", "MasoBHXH", "NgaySinh", "GioiTinh", "QuanHe", "CMND")


def tk1ts_build(people: list[dict]) -> bytes:
    """An unsigned TK1-TS from people (dicts keyed by TK1-TS field names, with an optional
    ``household``: the members' dicts)."""
    root = etree.Element("TK1-TS")
    noi_dung = etree.SubElement(root, "NoiDung")
    for index, person in enumerate(people, start=1):
        node = _numbered_row(noi_dung, "LaoDong", index, person, TK1_FIELDS)
        members = person.get("household") or []
        if members:
            household = etree.SubElement(node, "ThanhVienHoGiaDinh")
            for member in members:
                item = etree.SubElement(household, "ThanhVien")
                for name in HOUSEHOLD_FIELDS:
                    etree.SubElement(item, name).text = str(member.get(name, "") or "")
    return _form_bytes(root)


# The columns of D01-TS (bảng kê thông tin), in the order of the paper form.
D01_FIELDS = (
    "STT",
    "HoTen",
    "MasoBHXH",
    "CMND",
    "NgaySinh",
    "LoaiVanBan",
    "SoHieuVanBan",
    "NgayBanHanh",
    "NgayHieuLuc",
    "CoQuanBanHanh",
    "TrichYeu",
    "NoiDungThamDinh",
)


def d01ts_build(documents: list[dict]) -> bytes:
    """An unsigned D01-TS from ``documents`` (dicts keyed by its column names): one line per
    document a late or back-dated row rests on."""
    root = etree.Element("D01-TS")
    noi_dung = etree.SubElement(root, "NoiDung")
    for index, document in enumerate(documents, start=1):
        _numbered_row(noi_dung, "VanBan", index, document, D01_FIELDS)
    return _form_bytes(root)


# The cells of TK3-TS (procedure 604), in the order of the paper form.
TK3_FIELDS = (
    "TenDonVi",
    "DiaChi",
    "MaSoThue",
    "SoTaiKhoan",
    "NganHang",
    "NguoiLienHe",
    "DienThoai",
    "Email",
    "PhuongThucNhanKetQua",
    "DiaChiNhanKetQua",
    "NoiDungThayDoi",
)


def tk3ts_build(fields: dict) -> bytes:
    """An unsigned TK3-TS from ``fields`` (keyed by TK3-TS cell names); only the cells with a
    value are written, since an absent cell declares no change."""
    unknown = set(fields) - set(TK3_FIELDS)
    if unknown:
        raise ValueError(f"TK3-TS has no cell {', '.join(sorted(unknown))}")
    root = etree.Element("TK3-TS")
    unit = etree.SubElement(etree.SubElement(root, "NoiDung"), "DonVi")
    for name in TK3_FIELDS:
        value = fields.get(name)
        if value not in (None, ""):
            etree.SubElement(unit, name).text = str(value)
    return _form_bytes(root)
