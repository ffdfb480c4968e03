"""Reading a bank statement line by line, whatever its format: CSV (UTF-8, comma or
semicolon), .xlsx (openpyxl's read-only mode streams the sheet) or ISO 20022 camt.053 XML
(parsed with the hardened parser: no DTD, no entities, no network, bounded size).

Each reader yields ``(line number, {column: value})``; only credit entries of a camt.053
(``CdtDbtInd`` = ``CRDT``) are lines."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from itertools import chain, islice

from lxml import etree
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from core.refusals import Refused
from declarations.employers.pki.parsing import parse_untrusted

from .lines import ACCOUNT, AMOUNT, DATE, DETAILS, NAME, UNC, LineProblem, header_map

XLSX, CSV, CAMT = "xlsx", "csv", "camt053"
HEADER_SEARCH = 10
XML_LIMIT = 20 * 1024 * 1024


class FileRefused(Exception):
    """The file as a whole cannot be read; carries the problem to show."""

    def __init__(self, problem: LineProblem):
        super().__init__(problem.code)
        self.problem = problem


def _file_problem(code: str, line: int = 1, **params) -> FileRefused:
    return FileRefused(LineProblem(line, "", code, params))


def file_format(name: str, head: bytes) -> str:
    """The format from the file's name and first bytes (an .xlsx is a zip archive)."""
    lower = (name or "").lower()
    is_zip = head.startswith(b"PK\x03\x04")
    if lower.endswith(".xlsx") and is_zip:
        return XLSX
    if lower.endswith(".xml") and not is_zip:
        return CAMT
    if lower.endswith((".csv", ".txt")) and not is_zip:
        return CSV
    raise _file_problem("payments.format")


def lines_read(fileobj, fmt: str) -> Iterator[tuple[int, dict]]:
    """(line number, column → value) of every statement line of a binary file object."""
    if fmt == CAMT:
        return _camt_lines(fileobj)
    header, rows = _csv_rows(fileobj) if fmt == CSV else _xlsx_rows(fileobj)
    columns, missing = header_map(header)
    if missing:
        raise _file_problem("payments.header", columns=", ".join(missing))
    return (
        (number, {col: (cells[i] if i < len(cells) else None) for col, i in columns.items()})
        for number, cells in rows
    )


def _unwrapped(fileobj):
    """The plain file under Django's File wrappers."""
    while not isinstance(fileobj, io.IOBase) and hasattr(fileobj, "file"):
        fileobj = fileobj.file
    return fileobj


def _header_find(numbered) -> tuple[list, list]:
    """(header, lines read past it) among the first :data:`HEADER_SEARCH` lines: a bank's
    export opens with title lines (bank, account, period), so the header is the first line
    naming every required column, else the first line."""
    seen = list(islice(numbered, HEADER_SEARCH))
    for i, (_number, cells) in enumerate(seen):
        if not header_map(cells)[1]:
            return list(cells), seen[i + 1 :]
    return (list(seen[0][1]) if seen else []), seen[1:]


def _delimiter(first_lines: list[str]) -> str:
    """The separator under which one of the first lines reads as the header; else the one
    the first line uses most. Spreadsheets set to Vietnamese write CSV with semicolons (the
    comma is the decimal mark), and a bank's export opens with title lines."""
    for line in first_lines:
        for delimiter in (";", ",", "\t"):
            cells = next(csv.reader([line], delimiter=delimiter), [])
            if not header_map(cells)[1]:
                return delimiter
    first = first_lines[0] if first_lines else ""
    return ";" if first.count(";") > first.count(",") else ","


def _csv_rows(fileobj):
    text = io.TextIOWrapper(_unwrapped(fileobj), encoding="utf-8-sig", newline="")
    try:
        sample = text.read(4096)
        text.seek(0)
    except UnicodeDecodeError:
        raise _file_problem("payments.encoding", line=1) from None
    delimiter = _delimiter(sample.splitlines()[:HEADER_SEARCH])
    reader = csv.reader(text, delimiter=delimiter)

    def numbered():
        try:
            for cells in reader:
                if any(c.strip() for c in cells):
                    yield reader.line_num, cells
        except UnicodeDecodeError:
            raise _file_problem("payments.encoding", line=reader.line_num + 1) from None
        except csv.Error:
            raise _file_problem("payments.unreadable", line=reader.line_num, format="CSV") from None

    stream = numbered()
    header, ahead = _header_find(stream)
    return header, chain(ahead, stream)


def _xlsx_rows(fileobj):
    try:
        book = load_workbook(fileobj, read_only=True, data_only=True)
        numbered = (
            (n, cells)
            for n, cells in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)
            if any(c is not None and str(c).strip() for c in cells)
        )
        header, ahead = _header_find(numbered)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, IndexError):
        raise _file_problem("payments.unreadable", format=".xlsx") from None

    def rows():
        try:
            yield from chain(ahead, numbered)
        finally:
            book.close()

    return header, rows()


# --- camt.053 --------------------------------------------------------------------------------


def _first(node, *paths) -> etree._Element | None:
    """The first element found along any of ``paths`` (local names, any namespace)."""
    for path in paths:
        found = node.find("/".join(f"{{*}}{step}" for step in path.split("/")))
        if found is not None:
            return found
    return None


def _text(node, *paths) -> str:
    found = _first(node, *paths)
    return (found.text or "").strip() if found is not None else ""


def _date_of(node) -> str:
    # Booking date first (the day the agency's account was credited), else the value date.
    return _text(node, "BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt", "ValDt/DtTm")


def _reference(tx, entry) -> str:
    end_to_end = _text(tx, "Refs/EndToEndId") if tx is not None else ""
    if end_to_end and end_to_end.upper() != "NOTPROVIDED":
        return end_to_end
    return (_text(tx, "Refs/AcctSvcrRef") if tx is not None else "") or _text(entry, "AcctSvcrRef")


def _camt_values(entry, tx) -> dict:
    amount_node = None
    if tx is not None:
        amount_node = _first(tx, "Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt")
    if amount_node is None:
        amount_node = _first(entry, "Amt")
    party = tx if tx is not None else entry
    details = []
    if tx is not None:
        details = [(u.text or "").strip() for u in tx.iterfind("{*}RmtInf/{*}Ustrd")]
    if not details:
        details = [_text(entry, "AddtlNtryInf")]
    return {
        UNC: _reference(tx, entry),
        DATE: _date_of(entry),
        AMOUNT: (amount_node.text or "").strip() if amount_node is not None else "",
        "currency": amount_node.get("Ccy", "") if amount_node is not None else "",
        ACCOUNT: _text(party, "RltdPties/DbtrAcct/Id/IBAN", "RltdPties/DbtrAcct/Id/Othr/Id"),
        # camt.053.001.02 names the debtor at Dbtr/Nm, later versions at Dbtr/Pty/Nm.
        NAME: _text(party, "RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm"),
        DETAILS: " ".join(d for d in details if d),
    }


def _camt_lines(fileobj) -> Iterator[tuple[int, dict]]:
    data = _unwrapped(fileobj).read(XML_LIMIT + 1)
    try:
        root = parse_untrusted(data, limit=XML_LIMIT, form="camt.053")
    except Refused as exc:
        problem = exc.errors[0]
        raise FileRefused(
            LineProblem(problem.location.line or 1, "", problem.code, problem.params)
        ) from None
    statement = _first(root, "BkToCstmrStmt")
    if etree.QName(root).localname != "Document" or statement is None:
        raise _file_problem("payments.not_camt")
    for entry in statement.iterfind("{*}Stmt/{*}Ntry"):
        if _text(entry, "CdtDbtInd") != "CRDT":
            continue  # debits and reversals are not payments received
        txs = entry.findall("{*}NtryDtls/{*}TxDtls")
        # A batch entry carries one TxDtls per transfer, each with its own amount.
        for tx in txs if len(txs) > 1 else [txs[0] if txs else None]:
            node = tx if tx is not None else entry
            yield node.sourceline or entry.sourceline or 1, _camt_values(entry, tx)
