"""The protocol's refusals: a stable code, an HTTP status and a Vietnamese message."""

from __future__ import annotations

# code -> (HTTP status, Vietnamese message shown by the portal's page)
REFUSALS: dict[str, tuple[int, str]] = {
    "signer.origin_refused": (
        403,
        "Trang web này không được phép dùng chương trình ký số trên máy của bạn.",
    ),
    "signer.declined": (
        403,
        "Yêu cầu ký đã bị từ chối hoặc không được xác nhận kịp thời trên chương trình ký số.",
    ),
    "signer.pin_wrong": (401, "Mã PIN của token không đúng. Vui lòng thử lại."),
    "signer.pin_locked": (
        423,
        "Mã PIN của token đã bị khóa. Hãy mở khóa bằng công cụ của nhà cung cấp token.",
    ),
    "signer.token_absent": (
        409,
        "Không tìm thấy USB token hoặc token đã bị rút ra. Hãy cắm token và thử lại.",
    ),
    "signer.certificate_unknown": (
        404,
        "Không tìm thấy chứng thư số đã chọn trên token.",
    ),
    "signer.bad_request": (400, "Yêu cầu gửi tới chương trình ký số không hợp lệ."),
    "signer.busy": (
        409,
        "Chương trình ký số đang chờ bạn xác nhận một yêu cầu khác.",
    ),
}


class SignerError(Exception):
    """A refusal of the protocol; ``detail`` (English, for the log) never reaches the page."""

    def __init__(self, code: str, detail: str = ""):
        if code not in REFUSALS:
            raise ValueError(f"unknown signer code {code!r}")
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    @property
    def status(self) -> int:
        return REFUSALS[self.code][0]

    @property
    def message(self) -> str:
        return REFUSALS[self.code][1]

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}
