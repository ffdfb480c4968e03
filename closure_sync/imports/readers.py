"""Reading the export line by line, whatever its format: CSV (UTF-8, comma or semicolon)
or .xlsx (openpyxl's read-only mode streams the sheet). Memory does not grow with the file."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from itertools import chain, islice

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from .lines import Problem, header_map

XLSX, CSV = "xlsx", "csv"
HEADER_SEARCH = 10


class FileRefused(Exception):
    """The file as a whole cannot be read; carries the problem to show."""

    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


def file_format(name: str, head: bytes) -> str:
    """The format from the file's name and first bytes (an .xlsx is a zip archive)."""
    lower = name.lower()
    if lower.endswith(".xlsx") and head.startswith(b"PK\x03\x04"):
        return XLSX
    if lower.endswith((".csv", ".txt")) and not head.startswith(b"PK\x03\x04"):
        return CSV
    raise FileRefused(Problem(1, "", "closure_import.format", {}))


def rows_read(fileobj, fmt: str) -> tuple[list, Iterator[tuple[int, tuple]]]:
    """(header cells, iterator of (line number, cells)) of a binary file object."""
    return _csv_rows(fileobj) if fmt == CSV else _xlsx_rows(fileobj)


def _unwrapped(fileobj):
    """The plain file under Django's File wrappers (each read through them costs a
    property lookup per line)."""
    while not isinstance(fileobj, io.IOBase) and hasattr(fileobj, "file"):
        fileobj = fileobj.file
    return fileobj


def _csv_rows(fileobj):
    text = io.TextIOWrapper(_unwrapped(fileobj), encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
    except UnicodeDecodeError:
        raise FileRefused(Problem(1, "", "closure_import.encoding", {"line": 1})) from None
    # Spreadsheets set to Vietnamese write CSV with semicolons (the comma is the decimal mark).
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter), [])

    def rows():
        reader = csv.reader(text, delimiter=delimiter)
        try:
            for cells in reader:
                if any(c.strip() for c in cells):
                    yield reader.line_num + 1, cells
        except UnicodeDecodeError:
            line = reader.line_num + 2
            raise FileRefused(
                Problem(line, "", "closure_import.encoding", {"line": line})
            ) from None
        except csv.Error:
            raise FileRefused(
                Problem(reader.line_num + 1, "", "closure_import.unreadable", {"format": "CSV"})
            ) from None
        finally:
            text.detach()  # leave the file itself open for its owner

    return header, rows()


def _header_find(numbered) -> tuple[list, list]:
    """(header, lines read past it) among the first :data:`HEADER_SEARCH` lines: an export
    may open with title lines, so the header is the first line naming every required
    column, else the first line."""
    seen = list(islice(numbered, HEADER_SEARCH))
    for i, (_number, cells) in enumerate(seen):
        if not header_map(cells)[1]:
            return list(cells), seen[i + 1 :]
    return (list(seen[0][1]) if seen else []), seen[1:]


def _xlsx_rows(fileobj):
    try:
        book = load_workbook(fileobj, read_only=True, data_only=True)
        numbered = enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)
        header, ahead = _header_find(numbered)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, IndexError):
        raise FileRefused(
            Problem(1, "", "closure_import.unreadable", {"format": ".xlsx"})
        ) from None

    def rows():
        try:
            for number, cells in chain(ahead, numbered):
                if any(c is not None and str(c).strip() for c in cells):
                    yield number, cells
        finally:
            book.close()

    return header, rows()
