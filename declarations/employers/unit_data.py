"""The unit's own data as procedure 604 changes it (tờ khai TK3-TS): which cells map to which
fields of the employer, and the checks of a declared change.

The same checks serve intake's rules, the acceptance (the unit's data may have moved since
the dossier arrived) and the browser page that drafts the TK3-TS, so all three refuse alike.
A cell absent or empty declares no change: TK3-TS only adds or replaces values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _
from stdnum.vn import mst

from core.refusals import Problem, codes_register, err
from declarations.employers.models import Employer, ResultDelivery

FORM = "TK3-TS"

codes_register(
    "unit_data",
    "Changes of the unit's data (procedure 604, TK3-TS)",
    {
        "TK3_NO_CHANGE": _("The TK3-TS declares no change to the unit's data."),
        "TK3_TOO_LONG": _("The value is longer than {limit} characters."),
        "TK3_MST_FORMAT": _(
            "Tax code {value} is not valid (10 digits, or 13 for a branch, with its check digit)."
        ),
        "TK3_MST_OTHER_UNIT": _(
            "Tax code {value} is not this unit's (its tax code starts {root}): another company "
            "registers as a new unit, not as a change."
        ),
        "TK3_EMAIL_FORMAT": _("E-mail address {value} is not valid."),
        "TK3_PHONE_FORMAT": _("Phone number {value} is not valid (0 or +84, then 8 to 10 digits)."),
        "TK3_BANK_ACCOUNT_FORMAT": _("Bank account {value} must be 6 to 20 digits."),
        "TK3_BANK_NAME_REQUIRED": _("A bank account needs the name of its bank."),
        "TK3_DELIVERY": _(
            "Result delivery {value} is not known (Tại cơ quan BHXH / office, Qua bưu điện / post)."
        ),
        "TK3_POSTAL_ADDRESS_REQUIRED": _("Delivery by post needs an address to deliver to."),
    },
)


@dataclass(frozen=True)
class UnitField:
    """A cell of TK3-TS (``tag``) and the employer's field it changes (``attr``), with the
    labels the result notice prints."""

    tag: str
    attr: str
    label_vi: str
    label_en: str

    @property
    def max_length(self) -> int:
        return Employer._meta.get_field(self.attr).max_length

    def label(self, language: str = "vi") -> str:
        return self.label_en if language.startswith("en") else self.label_vi

    def display(self, value: str, language: str = "vi") -> str:
        """``value`` as a reader reads it (the delivery's words, not its code)."""
        if self.attr == "result_delivery" and value in DELIVERY_WORDS:
            vi, en = DELIVERY_WORDS[value]
            return en if language.startswith("en") else vi
        return value


UNIT_FIELDS = (
    UnitField("TenDonVi", "name", "Tên đơn vị", "Unit name"),
    UnitField("DiaChi", "address", "Địa chỉ", "Address"),
    UnitField("MaSoThue", "tax_code", "Mã số thuế", "Tax code"),
    UnitField("SoTaiKhoan", "bank_account", "Số tài khoản", "Bank account"),
    UnitField("NganHang", "bank_name", "Ngân hàng", "Bank"),
    UnitField("NguoiLienHe", "contact_person", "Người liên hệ", "Contact person"),
    UnitField("DienThoai", "contact_phone", "Điện thoại", "Phone"),
    UnitField("Email", "contact_email", "Thư điện tử", "E-mail"),
    UnitField(
        "PhuongThucNhanKetQua", "result_delivery", "Phương thức nhận kết quả", "Result delivery"
    ),
    UnitField("DiaChiNhanKetQua", "postal_address", "Địa chỉ nhận kết quả", "Delivery address"),
)
BY_TAG = {f.tag: f for f in UNIT_FIELDS}
BY_ATTR = {f.attr: f for f in UNIT_FIELDS}
# The free text of the form (what changes and why): kept in the dossier, changes no field.
NOTE_TAG = "NoiDungThayDoi"

DELIVERY_WORDS = {
    ResultDelivery.AT_OFFICE: ("Tại cơ quan BHXH", "At the office"),
    ResultDelivery.BY_POST: ("Qua bưu điện", "By post"),
}
# Both codings of the delivery cell: the code, or the words of the paper form.
DELIVERY_OF = {
    **{code.casefold(): code for code in DELIVERY_WORDS},
    **{vi.casefold(): code for code, (vi, _en) in DELIVERY_WORDS.items()},
}
PHONE = re.compile(r"^(?:\+84|0)\d{8,10}$")
BANK_ACCOUNT = re.compile(r"^\d{6,20}$")
# Separators people write in phone numbers and bank accounts.
SEPARATORS = re.compile(r"[\s.\-()]")
_email_validator = EmailValidator()


def _phone(value: str) -> str | None:
    compact = SEPARATORS.sub("", value)
    return compact if PHONE.match(compact) else None


def _bank_account(value: str) -> str | None:
    compact = SEPARATORS.sub("", value)
    return compact if BANK_ACCOUNT.match(compact) else None


def _delivery(value: str) -> str | None:
    return DELIVERY_OF.get(value.casefold())


def _email(value: str) -> str | None:
    try:
        _email_validator(value)
    except ValidationError:
        return None
    return value


def _tax_code(value: str) -> str | None:
    return mst.compact(value) if mst.is_valid(value) else None


# The cells with a format: the value as the unit keeps it (None: not well formed), and the
# refusal's code.
FORMATS = {
    "tax_code": (_tax_code, "TK3_MST_FORMAT"),
    "contact_email": (_email, "TK3_EMAIL_FORMAT"),
    "contact_phone": (_phone, "TK3_PHONE_FORMAT"),
    "bank_account": (_bank_account, "TK3_BANK_ACCOUNT_FORMAT"),
    "result_delivery": (_delivery, "TK3_DELIVERY"),
}


def _as_held(attr: str, value: str) -> str:
    """The unit's current ``value`` as a declared one is normalised, so that a value written
    differently (spaces in a phone number) is no change."""
    if attr in ("contact_phone", "bank_account"):
        return SEPARATORS.sub("", value)
    if attr == "tax_code":
        return mst.compact(value)
    return " ".join(value.split())


def unit_data_check(
    *, employer, declared: dict[str, str], lines: dict[str, int] | None = None, form: str = FORM
) -> tuple[list[Problem], dict[str, str]]:
    """Check the cells ``declared`` (TK3-TS tag → text) against ``employer``'s data: the
    problems (located at the form, the cell and its XML ``lines``), and the changes
    (employer field → new value, normalised) that differ from what the unit has."""
    lines = lines or {}
    problems: list[Problem] = []
    values: dict[str, str] = {}
    # The company's own 10 digits: a branch's code (13) keeps them, another company's does not.
    root = mst.compact(employer.tax_code)[:10]

    def add(code, tag, at=None, **params):
        # A missing cell is shown at the line of the cell that needs it (``at``).
        line = lines.get(tag) or lines.get(at)
        problems.append(err(code, form=form, field=tag, line=line, **params))

    for field in UNIT_FIELDS:
        text = " ".join((declared.get(field.tag) or "").split())
        if not text:
            continue
        value = text
        if field.attr in FORMATS:
            normalise, code = FORMATS[field.attr]
            value = normalise(text)
            if value is None:
                add(code, field.tag, value=text)
                continue
        if field.attr == "tax_code" and value[:10] != root:
            add("TK3_MST_OTHER_UNIT", field.tag, value=text, root=root)
            continue
        if len(value) > field.max_length:
            add("TK3_TOO_LONG", field.tag, limit=field.max_length)
            continue
        values[field.attr] = value

    def after(attr: str) -> str:
        return values.get(attr, getattr(employer, attr) or "")

    if values.get("result_delivery") == ResultDelivery.BY_POST and not after("postal_address"):
        add("TK3_POSTAL_ADDRESS_REQUIRED", "DiaChiNhanKetQua", at="PhuongThucNhanKetQua")
    if values.get("bank_account") and not after("bank_name"):
        add("TK3_BANK_NAME_REQUIRED", "NganHang", at="SoTaiKhoan")
    changes = {
        attr: value
        for attr, value in values.items()
        if value != _as_held(attr, getattr(employer, attr) or "")
    }
    if not problems and not changes:
        problems.append(err("TK3_NO_CHANGE", form=form))
    return problems, changes


__all__ = [
    "BY_ATTR",
    "BY_TAG",
    "FORM",
    "NOTE_TAG",
    "UNIT_FIELDS",
    "UnitField",
    "unit_data_check",
]
