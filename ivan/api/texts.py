"""The OpenAPI document's words, Vietnamese first and then English in the same text.

One document for both languages, rather than one per ``Accept-Language``: the document is
committed and compared with the code in CI, providers feed it to code generators and to
Swagger UI (which send no language), and an integrator reading the Vietnamese term finds
its English gloss beside it. Text written here is the one place each shared field is
described (unit code, transaction code, ...), so the same field reads the same everywhere.
"""

from __future__ import annotations


def title(vi: str, en: str) -> str:
    """An operation's summary: ``Vietnamese — English`` on one line."""
    return f"{vi} — {en}"


def bilingual(vi: str, en: str) -> str:
    """A description: the Vietnamese paragraph, then the English one."""
    return f"{vi}\n\n{en}"


UNIT_CODE = bilingual("Mã đơn vị, ví dụ TZH490L.", "Unit code (mã đơn vị), e.g. TZH490L.")
TAX_CODE = bilingual(
    "Mã số thuế: 10 chữ số, hoặc 13 (10 + hậu tố chi nhánh).",
    "Tax code (MST): 10 digits, or 13 for a branch (10 + a 3-digit suffix).",
)
TRANSACTION_CODE = bilingual(
    "Mã giao dịch của hồ sơ, ghi trên thông báo tiếp nhận.",
    "Transaction code (mã giao dịch) of the dossier, printed on its receipt.",
)
PROCEDURE = bilingual(
    "Mã thủ tục, ví dụ 600 (báo tăng), 600a (báo giảm), 601, 604.",
    "Procedure code (mã thủ tục), e.g. 600 (increase), 600a (decrease), 601, 604.",
)
SOCIAL_NUMBER = bilingual(
    "Mã số BHXH của người lao động (10 chữ số; cũng là số sổ BHXH).",
    "The worker's social-insurance number (mã số BHXH, 10 digits; also the book number).",
)
FULL_NAME = bilingual("Họ và tên theo lần kê khai gần nhất.", "Full name as last declared.")
SCOPES_VI = {
    "dossiers:submit": "Nộp hồ sơ đã ký",
    "dossiers:read": "Xem trạng thái và danh sách hồ sơ",
    "notices:read": "Lấy thông báo tiếp nhận và thông báo kết quả",
    "employers:register": "Đăng ký, thay đổi, ngừng giao dịch điện tử của đơn vị",
    "employers:read": "Xem các đơn vị nhà cung cấp phục vụ",
    "webhooks:manage": "Đăng ký địa chỉ nhận webhook",
    "stats:read": "Xem thống kê của nhà cung cấp",
    "people:read": "Xem lao động và thẻ BHYT của các đơn vị nhà cung cấp phục vụ",
}
