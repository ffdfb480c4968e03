"""The error catalogue of the intake pipeline (danh mục mã lỗi).

Every refusal carries a stable code from :data:`CATALOGUE`, a message in the user's language
(Vietnamese first, English when chosen) and the place: form, row, field, XML line.
``docs/errors.md`` is generated from this module (``manage.py errors_catalogue``) and a test
checks the two agree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from django.utils import translation


class Spec(NamedTuple):
    group: str
    vi: str
    en: str


CATALOGUE: dict[str, Spec] = {
    # --- the XML itself --------------------------------------------------------------------
    "XML_TOO_LARGE": Spec(
        "xml",
        "Hồ sơ vượt quá dung lượng cho phép ({limit} byte).",
        "The dossier exceeds the size limit ({limit} bytes).",
    ),
    "XML_EMPTY": Spec("xml", "Tệp hồ sơ rỗng.", "The dossier file is empty."),
    "XML_MALFORMED": Spec(
        "xml",
        "Tệp không phải XML hợp lệ: {detail}",
        "The file is not well-formed XML: {detail}",
    ),
    "XML_DTD": Spec(
        "xml",
        "Hồ sơ không được chứa khai báo DOCTYPE.",
        "A dossier must not contain a DOCTYPE declaration.",
    ),
    "XML_DTD_EXTERNAL": Spec(
        "xml",
        "Hồ sơ tham chiếu một DTD bên ngoài; không được phép.",
        "The dossier refers to an external DTD; this is not allowed.",
    ),
    "XML_ENTITY_EXTERNAL": Spec(
        "xml",
        "Hồ sơ khai báo thực thể tham chiếu tệp bên ngoài (XXE); bị từ chối.",
        "The dossier declares an entity that reads an outside file (XXE); refused.",
    ),
    "XML_ENTITY_NETWORK": Spec(
        "xml",
        "Hồ sơ khai báo thực thể tải dữ liệu qua mạng (XXE); bị từ chối.",
        "The dossier declares an entity that fetches data over the network (XXE); refused.",
    ),
    "XML_ENTITY_EXPANSION": Spec(
        "xml",
        "Hồ sơ khai báo thực thể lồng nhau (bom mở rộng thực thể); bị từ chối.",
        "The dossier declares nested entities (entity-expansion bomb); refused.",
    ),
    "XML_ENTITY_DECLARED": Spec(
        "xml",
        "Hồ sơ khai báo thực thể nội bộ; không được phép.",
        "The dossier declares internal entities; this is not allowed.",
    ),
    "XML_COMMENT": Spec(
        "xml",
        "Hồ sơ không được chứa chú thích hoặc chỉ thị xử lý XML.",
        "A dossier must not contain XML comments or processing instructions.",
    ),
    # --- the envelope and its files ------------------------------------------------------------
    "XSD_ENVELOPE": Spec(
        "envelope",
        "Hồ sơ không đúng cấu trúc: {detail}",
        "The envelope does not match its schema: {detail}",
    ),
    "XSD_FORM": Spec(
        "envelope",
        "Tờ khai {form} không đúng cấu trúc: {detail}",
        "Form {form} does not match its schema: {detail}",
    ),
    "PROC_UNKNOWN": Spec(
        "envelope",
        "Mã thủ tục {value} không được hỗ trợ.",
        "Procedure code {value} is not supported.",
    ),
    "PERIOD_FORMAT": Spec(
        "envelope",
        "Kỳ kê khai {value} không đúng định dạng MM/yyyy.",
        "Declaration period {value} is not in MM/yyyy form.",
    ),
    "FILE_TOO_MANY": Spec(
        "envelope",
        "Hồ sơ có {count} tệp; tối đa {limit} tệp.",
        "The dossier carries {count} files; at most {limit} are allowed.",
    ),
    "FILE_COUNT_MISMATCH": Spec(
        "envelope",
        "SoLuongFile ({value}) không khớp số tệp đính kèm ({count}).",
        "SoLuongFile ({value}) does not match the number of files ({count}).",
    ),
    "FILE_TOO_LARGE": Spec(
        "envelope",
        "Tổng dung lượng các tệp vượt quá {limit} byte.",
        "The files exceed {limit} bytes in all.",
    ),
    "FILE_BASE64": Spec(
        "envelope",
        "Nội dung tệp {name} không phải base64 hợp lệ.",
        "The content of file {name} is not valid base64.",
    ),
    "FILE_LENGTH": Spec(
        "envelope",
        "Độ dài tệp {name} ({value}) không khớp nội dung ({actual} byte).",
        "The length of file {name} ({value}) does not match its content ({actual} bytes).",
    ),
    "FILE_TYPE": Spec(
        "envelope",
        "Loại tệp {value} không được phép (chỉ xml, pdf, jpg, xlsx).",
        "File type {value} is not allowed (xml, pdf, jpg, xlsx only).",
    ),
    "FORM_UNKNOWN": Spec(
        "envelope",
        "Tờ khai {form} không thuộc thủ tục {procedure}.",
        "Form {form} does not belong to procedure {procedure}.",
    ),
    "FORM_MISSING": Spec(
        "envelope",
        "Thiếu tờ khai bắt buộc {form}.",
        "The required form {form} is missing.",
    ),
    "FORM_DUPLICATE": Spec(
        "envelope",
        "Tờ khai {form} xuất hiện nhiều lần.",
        "Form {form} appears more than once.",
    ),
    "FORM_ROOT": Spec(
        "envelope",
        "Phần tử gốc {value} không khớp mã tờ khai {form}.",
        "Root element {value} does not match form code {form}.",
    ),
    # --- who is sending --------------------------------------------------------------------------
    "EMPLOYER_UNKNOWN": Spec(
        "sender",
        "Không tìm thấy đơn vị mã {value}.",
        "No employer has unit code {value}.",
    ),
    "EMPLOYER_TAX_MISMATCH": Spec(
        "sender",
        "Mã số thuế {value} không khớp đơn vị đã đăng ký.",
        "Tax code {value} does not match the registered employer.",
    ),
    "EMPLOYER_NOT_REGISTERED": Spec(
        "sender",
        "Đơn vị chưa được duyệt giao dịch điện tử.",
        "The employer is not approved for electronic transactions.",
    ),
    "CHANNEL_FORBIDDEN": Spec(
        "sender",
        "Bạn không được nộp hồ sơ cho đơn vị này qua kênh này.",
        "You may not submit dossiers for this employer through this channel.",
    ),
    "TRIAL_INVALID": Spec(
        "sender",
        "Mã giao dịch thử nghiệm không đúng.",
        "The trial credential is not valid.",
    ),
    "TRIAL_EXPIRED": Spec(
        "sender",
        "Mã giao dịch thử nghiệm đã hết hạn ngày {date}; hãy dùng chữ ký số.",
        "The trial credential expired on {date}; sign with a digital certificate.",
    ),
    # --- the signature ---------------------------------------------------------------------------
    "SIG_MISSING": Spec(
        "signature",
        "Thiếu chữ ký số tại {where}.",
        "The digital signature at {where} is missing.",
    ),
    "SIG_LOCATION": Spec(
        "signature",
        "Chữ ký số không nằm đúng vị trí {where} hoặc có nhiều hơn một chữ ký.",
        "The signature is not at {where}, or there is more than one.",
    ),
    "SIG_MALFORMED": Spec(
        "signature",
        "Cấu trúc chữ ký số không hợp lệ: {detail}",
        "The signature is malformed: {detail}",
    ),
    "SIG_ALGORITHM": Spec(
        "signature",
        "Thuật toán {value} không được chấp nhận (chỉ họ SHA-256).",
        "Algorithm {value} is not accepted (SHA-256 family only).",
    ),
    "SIG_REFERENCE": Spec(
        "signature",
        'Chữ ký phải có đúng một tham chiếu URI="" tới toàn bộ tài liệu, ngoài ra chỉ tham '
        "chiếu tới Object của chính chữ ký: {detail}",
        'The signature must have exactly one Reference URI="" to the whole document, and '
        "otherwise only references to its own Objects: {detail}",
    ),
    "SIG_OBJECT": Spec(
        "signature",
        "Phần Object của chữ ký chỉ được chứa thuộc tính chữ ký (thời điểm ký, dấu thời "
        "gian), không chứa tài liệu.",
        "The signature's Object may hold only signature properties (signing time, "
        "timestamp), never a document.",
    ),
    "SIG_BASE64": Spec(
        "signature",
        "Dữ liệu base64 trong chữ ký không hợp lệ.",
        "The base64 data in the signature is not valid.",
    ),
    "SIG_CERT_MISSING": Spec(
        "signature",
        "Chữ ký không kèm chứng thư số (X509Certificate).",
        "The signature carries no certificate (X509Certificate).",
    ),
    "SIG_KEYVALUE_MISMATCH": Spec(
        "signature",
        "Khóa công khai trong KeyValue khác khóa của chứng thư số.",
        "The public key in KeyValue differs from the certificate's key.",
    ),
    "SIG_INVALID": Spec(
        "signature",
        "Chữ ký số không hợp lệ.",
        "The digital signature is not valid.",
    ),
    "SIG_DIGEST": Spec(
        "signature",
        "Nội dung đã bị thay đổi sau khi ký.",
        "The content was changed after it was signed.",
    ),
    "SIG_TIME_FUTURE": Spec(
        "signature",
        "Dấu thời gian của chữ ký ({value}) ở tương lai.",
        "The signature's timestamp ({value}) is in the future.",
    ),
    "SIG_TIME_STALE": Spec(
        "signature",
        "Dấu thời gian cho thấy hồ sơ được ký lúc {value}, quá {days} ngày trước khi nộp.",
        "The timestamp shows the dossier was signed at {value}, more than {days} days "
        "before it was sent.",
    ),
    "SIG_TIMESTAMP_INVALID": Spec(
        "signature",
        "Dấu thời gian (RFC 3161) của chữ ký không hợp lệ: {detail}",
        "The signature's timestamp (RFC 3161) is not valid: {detail}",
    ),
    "TSA_UNTRUSTED": Spec(
        "signature",
        "Dấu thời gian không do tổ chức cấp dấu thời gian được tin cậy phát hành: {detail}",
        "The timestamp was not issued by a trusted time-stamping authority: {detail}",
    ),
    # A warning on the receipt, never a refusal (the claim decides nothing).
    "SIG_TIME_CLAIM_FAR": Spec(
        "signature",
        "Lưu ý: thời điểm ký do người ký tự khai ({value}) lệch xa thời điểm được tin cậy "
        "({trusted}); hồ sơ được xét theo thời điểm được tin cậy.",
        "Note: the signing time the signer claims ({value}) is far from the trusted time "
        "({trusted}); the dossier was judged at the trusted time.",
    ),
    # --- the certificate ------------------------------------------------------------------------
    "CERT_MALFORMED": Spec(
        "certificate",
        "Không đọc được chứng thư số (PEM, DER hoặc .cer).",
        "The certificate cannot be read (PEM, DER or .cer).",
    ),
    "CERT_NOT_REGISTERED": Spec(
        "certificate",
        "Chứng thư số ký hồ sơ không phải chứng thư đã đăng ký của đơn vị.",
        "The signing certificate is not the employer's registered certificate.",
    ),
    "CERT_SUPERSEDED": Spec(
        "certificate",
        "Chứng thư số này đã được thay thế bằng chứng thư mới từ {date}; hãy ký bằng chứng "
        "thư đang có hiệu lực.",
        "This certificate was replaced by a new one on {date}; sign with the certificate in force.",
    ),
    "CERT_EXPIRED": Spec(
        "certificate",
        "Chứng thư số đã hết hạn ({date}) tại thời điểm được tin cậy (thời điểm nhận hoặc "
        "dấu thời gian).",
        "The certificate had expired ({date}) at the trusted time (receipt or timestamp).",
    ),
    "CERT_NOT_YET_VALID": Spec(
        "certificate",
        "Chứng thư số chưa có hiệu lực (từ {date}) tại thời điểm được tin cậy.",
        "The certificate was not yet valid (from {date}) at the trusted time.",
    ),
    "CERT_UNTRUSTED": Spec(
        "certificate",
        "Chứng thư số không do tổ chức chứng thực được cấp phép phát hành.",
        "The certificate was not issued by a licensed certification authority.",
    ),
    "CERT_REVOKED": Spec(
        "certificate",
        "Chứng thư số đã bị thu hồi.",
        "The certificate has been revoked.",
    ),
    "CERT_STATUS_UNKNOWN": Spec(
        "certificate",
        "Chưa xác định được tình trạng thu hồi của chứng thư số: thông tin thu hồi của tổ "
        "chức chứng thực {ca} đã quá hạn, chưa có hoặc không biết chứng thư này. Vui lòng "
        "gửi lại sau.",
        "The revocation status of the certificate cannot be established: the revocation "
        "data of certification authority {ca} is out of date, missing or does not know "
        "this certificate. Please send again later.",
    ),
    "CERT_KEY_USAGE": Spec(
        "certificate",
        "Chứng thư số không có mục đích ký số.",
        "The certificate is not meant for digital signatures.",
    ),
    "CERT_MST_MISMATCH": Spec(
        "certificate",
        "Chứng thư số không mang MST của đơn vị ({value}).",
        "The certificate does not carry the employer's tax code ({value}).",
    ),
    # --- registration: proof of key possession (04/ĐK-IVAN) -------------------------------------
    "POP_MISSING": Spec(
        "registration",
        "Thiếu tờ khai 04/ĐK-IVAN ký bằng chứng thư số đang đăng ký.",
        "The 04/ĐK-IVAN signed with the certificate being registered is missing.",
    ),
    "POP_WRONG_KEY": Spec(
        "registration",
        "Tờ khai 04/ĐK-IVAN được ký bằng chứng thư số khác (số sê-ri {value}), không phải "
        "chứng thư số đang đăng ký.",
        "The 04/ĐK-IVAN is signed with another certificate (serial {value}), not the one "
        "being registered.",
    ),
    "POP_MISMATCH": Spec(
        "registration",
        "Tờ khai 04/ĐK-IVAN đã ký ghi {field} là {value}, khác với nội dung đăng ký ({expected}).",
        "The signed 04/ĐK-IVAN gives {field} as {value}, not {expected} as registered.",
    ),
    "POP_STALE": Spec(
        "registration",
        "Tờ khai 04/ĐK-IVAN lập ngày {value}: phải lập trong vòng {days} ngày gần đây và không "
        "sau hôm nay.",
        "The 04/ĐK-IVAN is dated {value}: it must be made within the last {days} days and not "
        "after today.",
    ),
    # --- the rows of the D02-LT list ---------------------------------------------------------------
    "FORM_NO_ROWS": Spec(
        "rows",
        "Danh sách {form} không có dòng nào.",
        "List {form} has no rows.",
    ),
    "ROW_REQUIRED": Spec(
        "rows",
        "Thiếu thông tin bắt buộc {field}.",
        "The required field {field} is empty.",
    ),
    "ROW_BHXH_FORMAT": Spec(
        "rows",
        "Mã số BHXH {value} phải gồm đúng 10 chữ số.",
        "Social-insurance number {value} must be exactly 10 digits.",
    ),
    "ROW_CCCD_FORMAT": Spec(
        "rows",
        "Số CCCD {value} phải gồm đúng 12 chữ số.",
        "Citizen ID {value} must be exactly 12 digits.",
    ),
    "ROW_DATE_FORMAT": Spec(
        "rows",
        "Ngày {value} không đúng định dạng dd/MM/yyyy.",
        "Date {value} is not a dd/MM/yyyy date.",
    ),
    "ROW_GENDER": Spec(
        "rows",
        "Giới tính {value} không hợp lệ (1: nam, 0: nữ).",
        "Gender {value} is not valid (1: male, 0: female).",
    ),
    "ROW_MONTH_FORMAT": Spec(
        "rows",
        "Tháng {value} không đúng định dạng MM/yyyy.",
        "Month {value} is not in MM/yyyy form.",
    ),
    "ROW_MONTH_ORDER": Spec(
        "rows",
        "Từ tháng {start} sau đến tháng {end}.",
        "From-month {start} is after to-month {end}.",
    ),
    "ROW_PLAN_CODE": Spec(
        "rows",
        "Phương án {value} không dùng được cho thủ tục {procedure}.",
        "Plan code {value} cannot be used with procedure {procedure}.",
    ),
    "ROW_AMOUNT_FORMAT": Spec(
        "rows",
        "Số tiền {value} không hợp lệ.",
        "Amount {value} is not a valid amount.",
    ),
    "ROW_SALARY_BELOW_MINIMUM": Spec(
        "rows",
        "Tiền lương {value} thấp hơn lương tối thiểu vùng {zone} ({minimum}).",
        "Salary {value} is below the zone {zone} minimum wage ({minimum}).",
    ),
    "ROW_SALARY_ABOVE_CAP": Spec(
        "rows",
        "Tiền lương {value} vượt mức trần 20 lần lương cơ sở ({cap}).",
        "Salary {value} exceeds the cap of 20 × base salary ({cap}).",
    ),
    "ROW_RATE_FORMAT": Spec(
        "rows",
        "Tỷ lệ đóng {value} không hợp lệ.",
        "Contribution rate {value} is not a number.",
    ),
    "ROW_RATE_MISMATCH": Spec(
        "rows",
        "Tỷ lệ đóng {value}% không khớp bảng tỷ lệ ({expected}%).",
        "Contribution rate {value}% does not match the rate table ({expected}%).",
    ),
    "ROW_DUPLICATE_WORKER": Spec(
        "rows",
        "Người lao động {value} xuất hiện nhiều lần trong danh sách (dòng {first}).",
        "Worker {value} appears more than once in the list (row {first}).",
    ),
    "TABLE_MISSING": Spec(
        "rows",
        "Chưa có bảng {table} áp dụng cho tháng {month}.",
        "No {table} table applies to month {month}.",
    ),
    # --- paper exceptions -----------------------------------------------------------------------
    "PAPER_NO_INCIDENT": Spec(
        "paper",
        "Sau ngày {date} không nhận hồ sơ giấy nếu không có sự cố được ghi nhận.",
        "After {date} no paper dossier is accepted without a recorded incident.",
    ),
}


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


@dataclass(frozen=True)
class IntakeError:
    """One error: a stable code, its parameters and where it is."""

    code: str
    params: dict = field(default_factory=dict)
    location: Location = field(default_factory=Location)

    def __post_init__(self):
        if self.code not in CATALOGUE:
            raise KeyError(f"error code {self.code} is not in the catalogue")

    def message(self, language: str | None = None) -> str:
        spec = CATALOGUE[self.code]
        lang = language or translation.get_language() or "vi"
        template = spec.en if lang.startswith("en") else spec.vi
        values = {"form": self.location.form or "", "field": self.location.field or ""}
        values.update(self.params)
        try:
            return template.format(**values)
        except (KeyError, IndexError):
            return template

    def as_dict(self, language: str | None = None) -> dict:
        return {
            "code": self.code,
            "message": self.message(language),
            "location": self.location.as_dict(),
        }


def err(code: str, *, line=None, form=None, row=None, field=None, **params) -> IntakeError:
    """Shorthand: ``err("ROW_BHXH_FORMAT", form="D02-LT", row=3, field="MasoBHXH", value=…)``."""
    return IntakeError(code, params, Location(line=line, form=form, row=row, field=field))


class Refused(Exception):
    """Raised inside the pipeline to stop at a stage; carries every error found so far."""

    def __init__(self, errors: list[IntakeError] | IntakeError):
        self.errors = errors if isinstance(errors, list) else [errors]
        super().__init__(", ".join(e.code for e in self.errors))


_EXTRA_SECTIONS: list[tuple[str, str, object]] = []


def catalogue_section_register(title: str, intro: str, rows) -> None:
    """Let another app add its codes to ``docs/errors.md``: ``rows()`` yields
    ``(code, vietnamese, english)``. Called from the app's ``ready()``."""
    if title not in {t for t, _, _ in _EXTRA_SECTIONS}:
        _EXTRA_SECTIONS.append((title, intro, rows))


def catalogue_markdown() -> str:
    """The text of ``docs/errors.md``."""
    titles = {
        "xml": "The XML itself",
        "envelope": "Envelope and files",
        "sender": "Sender and channel",
        "signature": "Signature",
        "certificate": "Certificate",
        "registration": "Registration and renewal: proof of key possession (04/ĐK-IVAN)",
        "rows": "Rows of the worker list (procedure rules)",
        "paper": "Paper exceptions",
    }
    lines = [
        "# Error codes of the intake pipeline",
        "",
        "Generated from `declarations/intake/errors.py` by `python manage.py errors_catalogue`;",
        "a test fails when this file and the code disagree. Each error is reported as",
        "`{code, message, location}`; the location names the XML line, the form, the row (STT)",
        "and the field where they apply.",
    ]
    for group, title in titles.items():
        lines += ["", f"## {title}", "", "| Code | Tiếng Việt | English |", "| --- | --- | --- |"]
        for code, spec in CATALOGUE.items():
            if spec.group == group:
                vi = spec.vi.replace("|", "\\|")
                en = spec.en.replace("|", "\\|")
                lines.append(f"| `{code}` | {vi} | {en} |")
    for title, intro, rows in _EXTRA_SECTIONS:
        lines += [
            "",
            f"## {title}",
            "",
            *([intro, ""] if intro else []),
            "| Code | Tiếng Việt | English |",
        ]
        lines.append("| --- | --- | --- |")
        for code, vi, en in rows():
            vi, en = vi.replace("|", "\\|"), en.replace("|", "\\|")
            lines.append(f"| `{code}` | {vi} | {en} |")
    return "\n".join(lines) + "\n"
