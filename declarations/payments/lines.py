"""One line of a bank statement: its columns (Vietnamese or English headers) and its check.

A line arrives as text (CSV), as typed cells (.xlsx: dates, numbers) or as the values of a
camt.053 entry; all are checked here the same way (docs/payments-import.md)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

UNC, DATE, AMOUNT, ACCOUNT, NAME, DETAILS = (
    "unc",
    "date",
    "amount",
    "account",
    "name",
    "details",
)
REQUIRED = (UNC, DATE, AMOUNT)

# The header shown in messages for each column (the statement's own words).
LABELS = {
    UNC: "Số UNC",
    DATE: "Ngày",
    AMOUNT: "Số tiền",
    ACCOUNT: "Tài khoản chuyển",
    NAME: "Tên người chuyển",
    DETAILS: "Nội dung",
}

# Header names accepted for each column, compared without accents, case and spaces.
ALIASES = {
    UNC: (
        "Số UNC",
        "UNC",
        "Số chứng từ",
        "Số tham chiếu",
        "Mã giao dịch",
        "Số giao dịch",
        "Reference",
        "Transaction number",
    ),
    DATE: ("Ngày", "Ngày giao dịch", "Ngày ghi có", "Ngày hiệu lực", "Date", "Booking date"),
    AMOUNT: ("Số tiền", "Số tiền ghi có", "Ghi có", "Amount", "Credit"),
    ACCOUNT: (
        "Tài khoản chuyển",
        "Tài khoản người chuyển",
        "Số tài khoản chuyển",
        "TK chuyển",
        "Payer account",
        "Account",
    ),
    NAME: ("Tên người chuyển", "Người chuyển", "Đơn vị chuyển", "Payer name", "Payer"),
    DETAILS: ("Nội dung", "Diễn giải", "Nội dung chuyển tiền", "Details", "Description"),
}

MAX_UNC, MAX_ACCOUNT, MAX_NAME, MAX_DETAILS = 40, 40, 255, 500
MAX_AMOUNT = 10**15


def fold(text) -> str:
    """Lower case, no accents (đ → d), no spaces: how header names are compared."""
    text = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "d")
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return re.sub(r"[\s_.:-]+", "", text).lower()


_WANTED = {fold(alias): column for column, names in ALIASES.items() for alias in names}


def header_map(cells) -> tuple[dict[str, int], list[str]]:
    """Column → index, and the labels of the required columns missing."""
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        column = _WANTED.get(fold(cell))
        if column and column not in found:
            found[column] = i
    return found, [LABELS[c] for c in REQUIRED if c not in found]


class Transfer(NamedTuple):
    """A checked credit line."""

    line: int
    unc: str
    paid_on: date
    amount: int
    account: str
    name: str
    details: str

    def as_json(self) -> dict:
        return {**self._asdict(), "paid_on": self.paid_on.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> Transfer:
        values = {f: data[f] for f in cls._fields}
        return cls(**{**values, "paid_on": date.fromisoformat(data["paid_on"])})


class LineProblem(NamedTuple):
    line: int
    field: str
    code: str
    params: dict

    def as_json(self) -> dict:
        return self._asdict()


def account_clean(value) -> str:
    """An account number as the statements write it, kept to letters and digits (banks
    print "0011 0012 3456", "0011-0012-3456" or "VN12 …" for the same account)."""
    return re.sub(r"[^0-9A-Za-z]", "", str(value or "")).upper()


_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s.*)?")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?")


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if m := _DMY.fullmatch(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _ISO.fullmatch(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    return None


# 5000000, 5.000.000, 5,000,000 or 5 000 000, optionally with "đ"/"VND"; a decimal part
# only when it is zero (camt.053 writes 5000000.00).
_GROUPED = re.compile(r"\d{1,3}(?:([.,\u00a0 ])\d{3})(?:\1\d{3})*")
_PLAIN = re.compile(r"\d+(?:[.,]0{1,2})?")


def _amount(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        amount = value
    elif isinstance(value, float | Decimal):
        try:
            d = Decimal(str(value))
        except InvalidOperation:
            return None
        if d != d.to_integral_value():
            return None
        amount = int(d)
    else:
        text = re.sub(r"\s*(đ|vnd|vnđ)$", "", str(value).strip(), flags=re.IGNORECASE)
        if _GROUPED.fullmatch(text):
            amount = int(re.sub(r"\D", "", text))
        elif _PLAIN.fullmatch(text):
            amount = int(re.split(r"[.,]", text)[0])
        else:
            return None
    return amount if 0 < amount < MAX_AMOUNT else None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an .xlsx number cell holding an account or a UNC number
    return " ".join(str(value).split())


def line_check(number: int, values: dict, *, today: date) -> tuple[Transfer | None, list]:
    """Check one line's values (column → cell) and return (transfer, problems)."""
    problems: list[LineProblem] = []

    def refuse(column, code, **params):
        problems.append(LineProblem(number, LABELS[column], code, params))

    for column in REQUIRED:
        if _text(values.get(column)) == "":
            refuse(column, "payments.required", field=LABELS[column])
    unc = _text(values.get(UNC))
    if len(unc) > MAX_UNC:
        refuse(UNC, "payments.too_long", field=LABELS[UNC], limit=MAX_UNC)
    paid_on = None
    raw_date = values.get(DATE)
    if _text(raw_date):
        paid_on = _date(raw_date)
        if paid_on is None:
            refuse(DATE, "payments.date", field=LABELS[DATE], value=_text(raw_date))
        elif paid_on > today:
            refuse(DATE, "payments.date_future", value=paid_on.strftime("%d/%m/%Y"))
    amount = None
    raw_amount = values.get(AMOUNT)
    if _text(raw_amount):
        amount = _amount(raw_amount)
        if amount is None:
            refuse(AMOUNT, "payments.amount", value=_text(raw_amount))
    currency = _text(values.get("currency"))
    if currency and currency.upper() != "VND":
        refuse(AMOUNT, "payments.currency", value=currency)
    account = account_clean(values.get(ACCOUNT))
    if len(account) > MAX_ACCOUNT:
        refuse(ACCOUNT, "payments.too_long", field=LABELS[ACCOUNT], limit=MAX_ACCOUNT)
    if problems:
        return None, problems
    return (
        Transfer(
            line=number,
            unc=unc,
            paid_on=paid_on,
            amount=amount,
            account=account,
            # What the bank writes is kept as it reads, cut to the stored length.
            name=_text(values.get(NAME))[:MAX_NAME],
            details=_text(values.get(DETAILS))[:MAX_DETAILS],
        ),
        [],
    )
