"""Coded reasons of rejection (từ chối) and supplement requests (yêu cầu bổ sung).

The codes are stable: they are printed on result notices, sent to I-VAN providers and
counted in reports. Add a reason by appending a row; never reuse or renumber a code.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.refusals import Refused, codes_register

REJECT = "reject"
SUPPLEMENT = "supplement"


@dataclass(frozen=True)
class Reason:
    code: str
    kind: str  # REJECT or SUPPLEMENT
    vi: str
    en: str

    @property
    def text(self) -> str:
        """The text in the active language (Vietnamese unless English was chosen)."""
        return self.en if (get_language() or "vi").startswith("en") else self.vi


REASONS: dict[str, Reason] = {
    r.code: r
    for r in (
        Reason(
            "TC01",
            REJECT,
            "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan BHXH nơi nhận",
            "The dossier is outside the receiving office's competence",
        ),
        Reason(
            "TC02",
            REJECT,
            "Đơn vị không thuộc diện quản lý của cơ quan BHXH",
            "The unit is not managed by this social insurance office",
        ),
        Reason(
            "TC03",
            REJECT,
            "Hồ sơ trùng với hồ sơ đã được giải quyết",
            "The dossier duplicates one already settled",
        ),
        Reason(
            "TC04",
            REJECT,
            "Thông tin người lao động không khớp với cơ sở dữ liệu BHXH",
            "Worker data do not match the social insurance database",
        ),
        Reason(
            "TC05",
            REJECT,
            "Đơn vị không bổ sung hồ sơ trong thời hạn yêu cầu",
            "The unit did not supply the requested supplement in time",
        ),
        Reason("TC99", REJECT, "Lý do khác (xem ghi chú)", "Other reason (see the note)"),
        Reason(
            "BS01",
            SUPPLEMENT,
            "Thiếu tờ khai TK1-TS của người lao động",
            "The worker's TK1-TS declaration is missing",
        ),
        Reason(
            "BS02",
            SUPPLEMENT,
            "Thiếu bản sao hợp đồng lao động hoặc quyết định tuyển dụng",
            "A copy of the labour contract or recruitment decision is missing",
        ),
        Reason(
            "BS03",
            SUPPLEMENT,
            "Mức lương, phụ cấp kê khai chưa đúng, đề nghị điều chỉnh",
            "Declared salary or allowances are wrong and must be corrected",
        ),
        Reason(
            "BS04",
            SUPPLEMENT,
            "Thiếu thẻ BHYT còn giá trị sử dụng (trường hợp báo giảm)",
            "Still-valid health insurance cards are missing (decrease cases)",
        ),
        Reason(
            "BS05",
            SUPPLEMENT,
            "Tệp đính kèm không đọc được, đề nghị gửi lại",
            "An attachment cannot be read and must be sent again",
        ),
        Reason("BS99", SUPPLEMENT, "Lý do khác (xem ghi chú)", "Other reason (see the note)"),
    )
}


def reasons_for(kind: str) -> list[Reason]:
    return [r for r in REASONS.values() if r.kind == kind]


def reasons_of(codes) -> list[Reason]:
    """The reasons a notice names by code, in its order (codes not in the catalogue left out)."""
    return [REASONS[c] for c in codes or () if c in REASONS]


codes_register(
    "review",
    "Review decisions (district staff)",
    {
        "REVIEW_TRANSITION_REFUSED": _("The dossier cannot go from «{frm}» to «{to}»."),
        "REVIEW_REASON_REQUIRED": _("Choose at least one reason."),
        "REVIEW_REASON_UNKNOWN": _(
            "Reason «{reason}» is not in the catalogue or does not fit this decision."
        ),
        "REVIEW_NOTE_REQUIRED": _("An «other» reason needs a note."),
        "REVIEW_ASSIGNEE_INVALID": _(
            "The officer is not a receiving officer of the dossier's office."
        ),
        "REVIEW_ROWS_FORMAT": _(
            "Write each returned row on its own line as «STT reason», e.g. «3 TC02»; «{line}» is not."
        ),
        "REVIEW_ROWS_NOT_ALLOWED": _(
            "Procedure {procedure} is decided as a whole, not row by row."
        ),
        "REVIEW_ROWS_ALL": _("Every row would be returned: reject the dossier instead."),
    },
)


def returned_rows_parse(text: str) -> dict[int, str]:
    """The rows a reviewer returns while accepting the rest: one «STT reason» a line (the
    reason a rejection code of the catalogue)."""
    rows: dict[int, str] = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        stt, _sep, code = line.replace(":", " ").replace(",", " ").partition(" ")
        code = code.strip().upper()
        if not stt.isdigit() or not code:
            raise Refused("REVIEW_ROWS_FORMAT", line=line[:40])
        reason = REASONS.get(code)
        if reason is None or reason.kind != REJECT:
            raise Refused("REVIEW_REASON_UNKNOWN", reason=code)
        rows[int(stt)] = code
    return rows


def reasons_check(kind: str, codes, note: str) -> list[Reason]:
    """The reasons chosen for a decision of ``kind``; refused when none or unknown."""
    codes = [c for c in dict.fromkeys(codes or []) if c]
    if not codes:
        raise Refused("REVIEW_REASON_REQUIRED")
    chosen = []
    for code in codes:
        reason = REASONS.get(code)
        if reason is None or reason.kind != kind:
            raise Refused("REVIEW_REASON_UNKNOWN", reason=code)
        chosen.append(reason)
    if any(r.code.endswith("99") for r in chosen) and not note.strip():
        raise Refused("REVIEW_NOTE_REQUIRED")
    return chosen
