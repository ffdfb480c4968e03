"""Import D02-LT rows from an .xlsx file (openpyxl): a header row with the D02-LT field
names (HoTen, MasoBHXH, …) or their Vietnamese column titles, then one worker a row."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook

from declarations.intake.envelope import D02_FIELDS

TITLES = {
    "họ và tên": "HoTen",
    "họ tên": "HoTen",
    "mã số bhxh": "MasoBHXH",
    "ngày sinh": "NgaySinh",
    "giới tính": "GioiTinh",
    "cccd": "CMND",
    "số cccd": "CMND",
    "chức vụ": "ChucVu",
    "nơi làm việc": "NoiLamViec",
    "tiền lương": "TienLuong",
    "từ tháng": "TuThang",
    "đến tháng": "DenThang",
    "phương án": "PA",
    "tỷ lệ đóng": "TyleDong",
    "ghi chú": "Ghichu",
}
MAX_ROWS = 5000


class ImportProblem(ValueError):
    pass


def _cell(value, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%m/%Y" if field in {"TuThang", "DenThang"} else "%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def d02lt_rows_from_xlsx(data: bytes) -> list[dict]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001  (any unreadable upload)
        raise ImportProblem("not an .xlsx file") from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        raise ImportProblem("empty sheet")
    fields = []
    for title in header:
        name = str(title or "").strip()
        fields.append(name if name in D02_FIELDS else TITLES.get(name.lower()))
    if "HoTen" not in fields:
        raise ImportProblem("no HoTen column")
    result = []
    for values in rows:
        if not any(v not in (None, "") for v in values):
            continue
        row = {f: _cell(v, f) for f, v in zip(fields, values, strict=False) if f and f != "STT"}
        result.append(row)
        if len(result) > MAX_ROWS:
            raise ImportProblem("too many rows")
    return result
