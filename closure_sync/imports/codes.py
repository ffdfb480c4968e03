"""The import's refusal codes: one per problem of a line or of the file."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.refusals import codes_register

codes_register(
    "closure_import",
    "Closures imported from the collection system",
    {
        "closure_import.format": _("The file is neither an .xlsx workbook nor a CSV file."),
        "closure_import.unreadable": _("The file cannot be read as {format}."),
        "closure_import.encoding": _("Line {line} is not UTF-8 text."),
        "closure_import.header": _("The header line lacks the column(s) {columns}."),
        "closure_import.empty": _("The file holds no closure lines."),
        "closure_import.required": _("{field} is empty."),
        "closure_import.unit_code": _("Unit code {value} must be 2 to 20 letters or digits."),
        "closure_import.number": _("{field} {value} must be exactly 10 digits."),
        "closure_import.date": _("{field} {value} is not a dd/mm/yyyy date."),
        "closure_import.closure_future": _("Closure date {value} is in the future."),
        "closure_import.kind": _("Closure kind {value} must be BHXH or BHTN."),
        "closure_import.month": _("{field} {value} is not an MM/yyyy month."),
        "closure_import.period_order": _("From-month {start} is after to-month {end}."),
        "closure_import.period_after_closure": _(
            "To-month {end} is after the closure date {closed}."
        ),
        "closure_import.salary": _("Salary {value} must be a whole, positive amount in VND."),
        "closure_import.rate": _("Rate {value} must be a number above 0 and at most 100."),
        "closure_import.identity_mismatch": _(
            "{field} differs from line {first} of the same closure."
        ),
        "closure_import.overlap": _("The period overlaps the one on line {first}."),
        "closure_import.closure_split": _(
            "The lines of this closure are not together: it appeared earlier in the file."
        ),
        "closure_import.closure_stored": _(
            "This closure is already stored with other periods; correct it on its page."
        ),
        "closure_import.period_differs": _(
            "A period from {start} is already stored with other values ({stored})."
        ),
        "closure_import.already_imported": _(
            "This file was already imported (import #{number}); nothing new to store."
        ),
        "closure_import.not_pending": _("This import is not waiting for confirmation."),
        "closure_import.store_failed": _(
            "Storing stopped on an unexpected error; nothing was stored. Confirm again."
        ),
        "closure_import.changed": _(
            "Closures were stored meanwhile that clash with this file; check it again."
        ),
    },
    intro="Each refused line is shown with its line number and column; a file with any "
    "refused line stores nothing (docs/closure-import.md).",
)
