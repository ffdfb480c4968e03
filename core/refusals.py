"""One refusal type and one catalogue of codes (danh mục mã lỗi).

Every refusal of the portal is :class:`Refused`, carrying one or more :class:`Problem`: a
stable code from :data:`CATALOGUE`, its parameters and, for the intake pipeline, the place
(form, row, field, XML line)::

    raise Refused("DIFF_ANSWER_REQUIRED")
    raise Refused("CERT_MST_MISMATCH", value=mst)
    raise Refused.many([err("ROW_GENDER", form="D02-LT", row=3, value="2"), ...])

A code's message is a ``gettext_lazy`` English msgid with ``{param}`` placeholders; the
Vietnamese text is in the .po catalogues (this ground floor's in ``locale/``, an app's in
its own). ``str(problem.message)`` renders it in the active language (Vietnamese unless the
user chose English). The I-VAN API's problem documents, the pages' error tables and
``docs/errors.md`` (``manage.py errors_catalogue``; a test compares) are all drawn from here.

Apps add their own codes with :func:`codes_register` when the module that raises them is
imported (each app's ``ready()`` imports it, so the catalogue is complete once Django is set
up); this module imports no app.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from core import xml_messages


class Entry(NamedTuple):
    group: str
    message: Promise  # a gettext_lazy English msgid with {param} placeholders


class Group(NamedTuple):
    title: str
    intro: str


CATALOGUE: dict[str, Entry] = {}
GROUPS: dict[str, Group] = {}


def codes_register(group: str, title: str, codes: dict[str, Promise], intro: str = "") -> None:
    """Add ``codes`` (code → lazy message) to the catalogue under ``group``, listed in
    ``docs/errors.md`` under ``title``. A code belongs to one group and has one message."""
    known = GROUPS.setdefault(group, Group(title, intro))
    if known.title != title:
        raise ValueError(f"refusal group {group} is already titled {known.title!r}")
    for code, message in codes.items():
        entry = Entry(group, message)
        if CATALOGUE.setdefault(code, entry) != entry:
            raise ValueError(f"refusal code {code} is already in the catalogue")


# --- the intake pipeline's codes (raised by declarations.employers.pki and .intake) -------------
codes_register(
    "xml",
    "The XML itself",
    {
        "XML_TOO_LARGE": _("The dossier exceeds the size limit ({limit} bytes)."),
        "XML_EMPTY": _("The dossier file is empty."),
        "XML_MALFORMED": _("The file is not well-formed XML: {detail}"),
        "XML_DTD": _("A dossier must not contain a DOCTYPE declaration."),
        "XML_DTD_EXTERNAL": _("The dossier refers to an external DTD; this is not allowed."),
        "XML_ENTITY_EXTERNAL": _(
            "The dossier declares an entity that reads an outside file (XXE); refused."
        ),
        "XML_ENTITY_NETWORK": _(
            "The dossier declares an entity that fetches data over the network (XXE); refused."
        ),
        "XML_ENTITY_EXPANSION": _(
            "The dossier declares nested entities (entity-expansion bomb); refused."
        ),
        "XML_ENTITY_DECLARED": _("The dossier declares internal entities; this is not allowed."),
        "XML_COMMENT": _("A dossier must not contain XML comments or processing instructions."),
    },
)
codes_register(
    "envelope",
    "Envelope and files",
    {
        "XSD_ENVELOPE": _("The envelope does not match its schema: {detail}"),
        "XSD_FORM": _("Form {form} does not match its schema: {detail}"),
        "PROC_UNKNOWN": _("Procedure code {value} is not supported."),
        "PERIOD_FORMAT": _("Declaration period {value} is not in MM/yyyy form."),
        "FILE_TOO_MANY": _("The dossier carries {count} files; at most {limit} are allowed."),
        "FILE_COUNT_MISMATCH": _(
            "SoLuongFile ({value}) does not match the number of files ({count})."
        ),
        "FILE_TOO_LARGE": _("The files exceed {limit} bytes in all."),
        "FILE_BASE64": _("The content of file {name} is not valid base64."),
        "FILE_LENGTH": _(
            "The length of file {name} ({value}) does not match its content ({actual} bytes)."
        ),
        "FILE_TYPE": _("File type {value} is not allowed (xml, pdf, jpg, xlsx only)."),
        "FORM_UNKNOWN": _("Form {form} does not belong to procedure {procedure}."),
        "FORM_MISSING": _("The required form {form} is missing."),
        "FORM_DUPLICATE": _("Form {form} appears more than once."),
        "FORM_ROOT": _("Root element {value} does not match form code {form}."),
    },
)
codes_register(
    "sender",
    "Sender and channel",
    {
        "EMPLOYER_UNKNOWN": _("No employer has unit code {value}."),
        "EMPLOYER_TAX_MISMATCH": _("Tax code {value} does not match the registered employer."),
        "EMPLOYER_NOT_REGISTERED": _("The employer is not approved for electronic transactions."),
        "CHANNEL_FORBIDDEN": _(
            "You may not submit dossiers for this employer through this channel."
        ),
        "TRIAL_INVALID": _("The trial credential is not valid."),
        "TRIAL_EXPIRED": _(
            "The trial credential expired on {date}; sign with a digital certificate."
        ),
    },
)
codes_register(
    "signature",
    "Signature",
    {
        "SIG_MISSING": _("The digital signature at {where} is missing."),
        "SIG_LOCATION": _("The signature is not at {where}, or there is more than one."),
        "SIG_MALFORMED": _("The signature is malformed: {detail}"),
        "SIG_ALGORITHM": _("Algorithm {value} is not accepted (SHA-256 family only)."),
        "SIG_REFERENCE": _(
            'The signature must have exactly one Reference URI="" to the whole document, and '
            "otherwise only references to its own Objects: {detail}"
        ),
        "SIG_OBJECT": _(
            "The signature's Object may hold only signature properties (signing time, timestamp),"
            " never a document."
        ),
        "SIG_BASE64": _("The base64 data in the signature is not valid."),
        "SIG_CERT_MISSING": _("The signature carries no certificate (X509Certificate)."),
        "SIG_KEYVALUE_MISMATCH": _(
            "The public key in KeyValue differs from the certificate's key."
        ),
        "SIG_INVALID": _("The digital signature is not valid."),
        "SIG_DIGEST": _("The content was changed after it was signed."),
        "SIG_TIME_FUTURE": _("The signature's timestamp ({value}) is in the future."),
        "SIG_TIME_STALE": _(
            "The timestamp shows the dossier was signed at {value}, more than {days} days before "
            "it was sent."
        ),
        "SIG_TIMESTAMP_INVALID": _("The signature's timestamp (RFC 3161) is not valid: {detail}"),
        "TSA_UNTRUSTED": _(
            "The timestamp was not issued by a trusted time-stamping authority: {detail}"
        ),
        "SIG_TIME_CLAIM_FAR": _(
            "Note: the signing time the signer claims ({value}) is far from the trusted time "
            "({trusted}); the dossier was judged at the trusted time."
        ),
    },
)
codes_register(
    "certificate",
    "Certificate",
    {
        "CERT_MALFORMED": _("The certificate cannot be read (PEM, DER or .cer)."),
        "CERT_NOT_REGISTERED": _(
            "The signing certificate is not the employer's registered certificate."
        ),
        "CERT_SUPERSEDED": _(
            "This certificate was replaced by a new one on {date}; sign with the certificate in "
            "force."
        ),
        "CERT_EXPIRED": _(
            "The certificate had expired ({date}) at the trusted time (receipt or timestamp)."
        ),
        "CERT_NOT_YET_VALID": _(
            "The certificate was not yet valid (from {date}) at the trusted time."
        ),
        "CERT_UNTRUSTED": _(
            "The certificate was not issued by a licensed certification authority."
        ),
        "CERT_REVOKED": _("The certificate has been revoked."),
        "CERT_STATUS_UNKNOWN": _(
            "The revocation status of the certificate cannot be established: the revocation data "
            "of certification authority {ca} is out of date, missing or does not know this "
            "certificate. Please send again later."
        ),
        "CERT_KEY_USAGE": _("The certificate is not meant for digital signatures."),
        "CERT_MST_MISMATCH": _("The certificate does not carry the employer's tax code ({value})."),
    },
)
codes_register(
    "registration",
    "Registration and renewal: proof of key possession (04/ĐK-IVAN)",
    {
        "POP_MISSING": _("The 04/ĐK-IVAN signed with the certificate being registered is missing."),
        "POP_WRONG_KEY": _(
            "The 04/ĐK-IVAN is signed with another certificate (serial {value}), not the one "
            "being registered."
        ),
        "POP_MISMATCH": _(
            "The signed 04/ĐK-IVAN gives {field} as {value}, not {expected} as registered."
        ),
        "POP_STALE": _(
            "The 04/ĐK-IVAN is dated {value}: it must be made within the last {days} days and not"
            " after today."
        ),
    },
)
codes_register(
    "rows",
    "Rows of the worker list (procedure rules)",
    {
        "FORM_NO_ROWS": _("List {form} has no rows."),
        "ROW_REQUIRED": _("The required field {field} is empty."),
        "ROW_BHXH_FORMAT": _("Social-insurance number {value} must be exactly 10 digits."),
        "ROW_CCCD_FORMAT": _("Citizen ID {value} must be exactly 12 digits."),
        "ROW_DATE_FORMAT": _("Date {value} is not a dd/MM/yyyy date."),
        "ROW_GENDER": _("Gender {value} is not valid (1: male, 0: female)."),
        "ROW_MONTH_FORMAT": _("Month {value} is not in MM/yyyy form."),
        "ROW_MONTH_ORDER": _("From-month {start} is after to-month {end}."),
        "ROW_PLAN_CODE": _("Plan code {value} cannot be used with procedure {procedure}."),
        "ROW_AMOUNT_FORMAT": _("Amount {value} is not a valid amount."),
        "ROW_SALARY_BELOW_MINIMUM": _(
            "Salary {value} is below the zone {zone} minimum wage ({minimum})."
        ),
        "ROW_SALARY_ABOVE_CAP": _("Salary {value} exceeds the cap of 20 × base salary ({cap})."),
        "ROW_RATE_FORMAT": _("Contribution rate {value} is not a number."),
        "ROW_RATE_MISMATCH": _(
            "Contribution rate {value}% does not match the rate table ({expected}%)."
        ),
        "ROW_DUPLICATE_WORKER": _(
            "Worker {value} appears more than once in the list (row {first})."
        ),
        "ROW_TK1_REQUIRED": _(
            "{name} has no social-insurance number yet: attach their TK1-TS declaration."
        ),
        "ROW_D01_REQUIRED": _(
            "{name} is declared from {start}, before the period {period}: list the document "
            "it rests on (labour contract, decision) in the D01-TS list."
        ),
        "TABLE_MISSING": _("No {table} table applies to month {month}."),
    },
)
codes_register(
    "paper",
    "Paper exceptions",
    {
        "PAPER_NO_INCIDENT": _(
            "After {date} no paper dossier is accepted without a recorded incident."
        ),
    },
)


# Groups of the ground floor come first in docs/errors.md, in this order; the apps' follow.
CORE_GROUPS = tuple(GROUPS)


@dataclass(frozen=True)
class Location:
    """Where an error is: the XML line, the form, the row (STT) and the field."""

    line: int | None = None
    form: str | None = None
    row: int | None = None
    field: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def __str__(self) -> str:
        parts = []
        if self.form:
            parts.append(self.form)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(self.field)
        if self.line:
            parts.append(f"line {self.line}")
        return ", ".join(parts)


# Codes whose ``{detail}`` is libxml2's own English message (parse or XML Schema error), and
# those whose detail comes from the signature checks (a phrase, a name, a library's text).
PARSER_DETAIL = frozenset({"XML_MALFORMED", "XSD_ENVELOPE", "XSD_FORM"})
SIGNATURE_DETAIL = frozenset(
    {"SIG_MALFORMED", "SIG_REFERENCE", "SIG_TIMESTAMP_INVALID", "TSA_UNTRUSTED"}
)


def _render(template, values: dict, code: str = "") -> str:
    text = str(template)
    vietnamese = (translation.get_language() or "vi").startswith("vi")
    if vietnamese and "detail" in values:
        if code in PARSER_DETAIL:
            values = {**values, "detail": xml_messages.vietnamese(str(values["detail"]))}
        elif code in SIGNATURE_DETAIL:
            values = {**values, "detail": xml_messages.signature_detail(str(values["detail"]))}
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return text


_render_lazy = lazy(_render, str)


@dataclass(frozen=True)
class Problem:
    """One problem: a stable code, its parameters and where it is."""

    code: str
    params: dict = field(default_factory=dict)
    location: Location = field(default_factory=Location)

    def __post_init__(self):
        if self.code not in CATALOGUE:
            raise KeyError(f"error code {self.code} is not in the catalogue")

    @property
    def message(self) -> str:
        """The message, rendered in the language active when it is turned into text."""
        values = {"form": self.location.form or "", "field": self.location.field or ""}
        values.update(self.params)
        return _render_lazy(CATALOGUE[self.code].message, values, self.code)

    def text(self, language: str | None = None) -> str:
        """The message as text in ``language`` (default: the active language)."""
        if language is None:
            return str(self.message)
        with translation.override(language):
            return str(self.message)

    def as_dict(self, language: str | None = None) -> dict:
        return {
            "code": self.code,
            "message": self.text(language),
            "location": self.location.as_dict(),
        }


def err(code: str, *, line=None, form=None, row=None, field=None, **params) -> Problem:
    """Shorthand: ``err("ROW_BHXH_FORMAT", form="D02-LT", row=3, field="MasoBHXH", value=…)``."""
    return Problem(code, params, Location(line=line, form=form, row=row, field=field))


class Refused(Exception):
    """The one refusal: ``Refused(code, **params)``; the intake pipeline raises it with every
    problem found so far (``Refused.many([...])``, or one located :func:`err`)."""

    def __init__(self, code: str | Problem | list[Problem], /, **params):
        if isinstance(code, str):
            problems = [Problem(code, params)]
        elif isinstance(code, Problem):
            problems = [code]
        else:
            problems = list(code)
        if not problems or (params and not isinstance(code, str)):
            raise TypeError("Refused(code, **params) or Refused([problem, ...])")
        self.errors: list[Problem] = problems
        super().__init__(", ".join(p.code for p in problems))

    @classmethod
    def many(cls, problems) -> Refused:
        return cls(list(problems))

    @property
    def code(self) -> str:
        return self.errors[0].code

    @property
    def params(self) -> dict:
        return self.errors[0].params

    @property
    def message(self) -> str:
        """The first problem's message (lazy, in the active language)."""
        return self.errors[0].message

    def validation_error(self) -> ValidationError:
        """The same problems as a form's ValidationError (the code kept on each)."""
        return ValidationError([ValidationError(p.message, code=p.code) for p in self.errors])

    def __str__(self) -> str:
        return "; ".join(f"{p.code}: {p.message}" for p in self.errors)


_EXTRA_SECTIONS: list[tuple[str, str, object]] = []


def catalogue_section_register(title: str, intro: str, rows) -> None:
    """Add a table that is not refusals to ``docs/errors.md`` (the coded reasons of
    decisions): ``rows()`` yields ``(code, vietnamese, english)``. Called from ``ready()``."""
    if title not in {t for t, _i, _r in _EXTRA_SECTIONS}:
        _EXTRA_SECTIONS.append((title, intro, rows))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def catalogue_markdown() -> str:
    """The text of ``docs/errors.md``: every code once, by group, in both languages."""
    lines = [
        "# Error codes",
        "",
        "Generated from the refusal catalogue (`core/refusals.py` and the codes each app",
        "registers with `codes_register`) by `python manage.py errors_catalogue`; a test fails",
        "when this file and the code disagree. Each error is reported as",
        "`{code, message, location}`; the location names the XML line, the form, the row (STT)",
        "and the field where they apply.",
    ]
    apps = sorted((g for g in GROUPS if g not in CORE_GROUPS), key=lambda g: GROUPS[g].title)
    for group in (*CORE_GROUPS, *apps):
        title, intro = GROUPS[group]
        lines += ["", f"## {title}", "", *([intro, ""] if intro else [])]
        lines += ["| Code | Tiếng Việt | English |", "| --- | --- | --- |"]
        for code, entry in CATALOGUE.items():
            if entry.group == group:
                with translation.override("vi"):
                    vi = str(entry.message)
                with translation.override("en"):
                    en = str(entry.message)
                lines.append(f"| `{code}` | {_cell(vi)} | {_cell(en)} |")
    for title, intro, rows in _EXTRA_SECTIONS:
        lines += ["", f"## {title}", "", *([intro, ""] if intro else [])]
        lines += ["| Code | Tiếng Việt | English |", "| --- | --- | --- |"]
        for code, vi, en in rows():
            lines.append(f"| `{code}` | {_cell(vi)} | {_cell(en)} |")
    return "\n".join(lines) + "\n"
