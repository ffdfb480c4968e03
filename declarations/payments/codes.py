"""The refusal codes of payments: a statement's file and lines, its confirmation, and the
manual match of a transfer (docs/payments-import.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.refusals import codes_register

codes_register(
    "payments",
    "Payments received: bank statements and matching",
    {
        "payments.format": _(
            "The file is neither a CSV file, an .xlsx workbook nor a camt.053 XML statement."
        ),
        "payments.unreadable": _("The file cannot be read as {format}."),
        "payments.encoding": _("Line {line} is not UTF-8 text."),
        "payments.header": _("The header line lacks the column(s) {columns}."),
        "payments.empty": _("The statement holds no credit transfers."),
        "payments.too_many": _("The statement has more than {limit} lines; split it."),
        "payments.not_camt": _(
            "The XML is not a camt.053 bank-to-customer statement (BkToCstmrStmt)."
        ),
        "payments.required": _("{field} is empty."),
        "payments.date": _("{field} {value} is not a dd/mm/yyyy date."),
        "payments.date_future": _("Date {value} is in the future."),
        "payments.amount": _("Amount {value} must be a whole, positive amount in VND."),
        "payments.currency": _("Currency {value} is not VND."),
        "payments.too_long": _("{field} is longer than {limit} characters."),
        "payments.duplicate": _("Transfer {value} of the same day is already on line {first}."),
        "payments.not_pending": _("This statement is not waiting for confirmation."),
        "payments.nothing_new": _(
            "Every transfer of this statement is already stored; nothing new to store."
        ),
        "payments.changed": _(
            "Transfers of this statement were stored meanwhile by another import; check the "
            "file again."
        ),
        "payments.already_matched": _("This transfer is already matched to unit {unit}."),
        "payments.unit_unknown": _("No unit with code {value} in your offices."),
    },
    intro="Each refused line is shown with its line number and column; a statement with any "
    "refused line stores nothing (docs/payments-import.md).",
)
