"""Serializers of the I-VAN API. Every field carries its description (Vietnamese, then
English: ``ivan.api.texts``), and every status or code field its enum."""

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema_field
from rest_framework import serializers

from core.refusals import Problem
from declarations.dossiers.models import DossierStatus, NoticeKind
from declarations.employers.models import Employer, ResultDelivery
from declarations.employers.models.registrations import RegistrationStatus
from declarations.employers.registration_form import MAX_BYTES as SIGNED_FORM_MAX_BYTES
from declarations.people.models import CardStatus
from declarations.people.plans import SPELL_STATUS_LABELS
from ivan.api.texts import (
    FULL_NAME,
    PROCEDURE,
    SOCIAL_NUMBER,
    TAX_CODE,
    TRANSACTION_CODE,
    UNIT_CODE,
    bilingual,
)
from ivan.models import WebhookEndpoint

# base64 of the largest signed 04/ĐK-IVAN read (with room for line breaks)
SIGNED_FORM_MAX_CHARS = (SIGNED_FORM_MAX_BYTES + 2) // 3 * 4 + 4096

TIME_SOURCES = [("receipt", "receipt"), ("tsa", "tsa"), ("", "")]


class EmployerSerializer(serializers.ModelSerializer):
    managing_office = serializers.CharField(
        source="managing_office.code",
        help_text=bilingual(
            "Mã cơ quan BHXH quản lý đơn vị.", "Code of the social-insurance office managing it."
        ),
    )

    class Meta:
        model = Employer
        fields = [
            "unit_code",
            "name",
            "tax_code",
            "address",
            "managing_office",
            "wage_zone",
            "e_status",
            "e_registered_on",
        ]
        extra_kwargs = {
            "unit_code": {"help_text": UNIT_CODE},
            "name": {"help_text": bilingual("Tên đơn vị.", "The unit's name.")},
            "tax_code": {"help_text": TAX_CODE},
            "address": {"help_text": bilingual("Địa chỉ đơn vị.", "The unit's address.")},
            "wage_zone": {
                "help_text": bilingual(
                    "Vùng lương tối thiểu (I–IV).", "Regional minimum-wage zone (I–IV)."
                )
            },
            "e_status": {
                "help_text": bilingual(
                    "Trạng thái giao dịch điện tử của đơn vị.",
                    "Where the unit stands with e-transactions.",
                )
            },
            "e_registered_on": {
                "help_text": bilingual(
                    "Ngày bắt đầu giao dịch điện tử.", "Date it started transacting electronically."
                )
            },
        }


class MeSerializer(serializers.Serializer):
    provider_code = serializers.CharField(
        help_text=bilingual("Mã nhà cung cấp I-VAN (MaIVAN).", "I-VAN provider code (MaIVAN).")
    )
    provider_name = serializers.CharField(
        help_text=bilingual("Tên nhà cung cấp.", "The provider's name.")
    )
    client_id = serializers.CharField(
        help_text=bilingual("Mã client OAuth2 đang gọi.", "The calling OAuth2 client's id.")
    )
    sandbox = serializers.BooleanField(
        help_text=bilingual(
            "true: client thử nghiệm, hồ sơ không vào hàng đợi của cơ quan BHXH.",
            "true: a sandbox client, whose dossiers never reach an office queue.",
        )
    )
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=list(settings.IVAN_SCOPES)),
        help_text=bilingual("Các quyền (scope) của mã truy cập.", "The access token's scopes."),
    )
    contract_number = serializers.CharField(
        help_text=bilingual("Số hợp đồng đang có hiệu lực.", "Number of the contract in force.")
    )
    contract_valid_to = serializers.DateField(
        allow_null=True,
        help_text=bilingual(
            "Ngày hết hạn hợp đồng (null: không thời hạn).", "Contract end date (null: open-ended)."
        ),
    )


class WebhookRequestSerializer(serializers.Serializer):
    url = serializers.URLField(
        max_length=500,
        help_text=bilingual(
            "Địa chỉ nhận webhook (bắt buộc HTTPS).", "Where to deliver webhooks (HTTPS required)."
        ),
    )

    def validate_url(self, value):
        if not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise serializers.ValidationError("HTTPS required", code="https_required")
        return value


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["url", "secret", "created_at"]
        extra_kwargs = {
            "url": {"help_text": bilingual("Địa chỉ nhận webhook.", "The webhook URL.")},
            "secret": {
                "help_text": bilingual(
                    "Khóa ký webhook (whsec_…), chỉ trả về một lần: lưu lại để kiểm tra chữ "
                    "ký `webhook-signature`.",
                    "The signing secret (whsec_…), returned only once: keep it to verify the "
                    "`webhook-signature` header.",
                )
            },
            "created_at": {"help_text": bilingual("Thời điểm đăng ký.", "When it was registered.")},
        }


class ErrorCodeField(serializers.CharField):
    """A code of the refusal catalogue (its enum is added when the document is generated:
    ``ivan.api.schema.error_codes_enum``)."""


class RefusalCount(serializers.Serializer):
    code = ErrorCodeField(help_text=bilingual("Mã lỗi.", "Error code."))
    count = serializers.IntegerField(
        help_text=bilingual("Số lần bị từ chối với mã này.", "Refusals with this code.")
    )


class StatsSerializer(serializers.Serializer):
    since = serializers.DateTimeField(
        help_text=bilingual("Đầu khoảng thời gian thống kê.", "Start of the window.")
    )
    calls = serializers.IntegerField(help_text=bilingual("Số lần gọi API.", "API calls."))
    refusals = serializers.IntegerField(
        help_text=bilingual("Số lần bị từ chối (mã HTTP ≥ 400).", "Refusals (HTTP status ≥ 400).")
    )
    refusals_by_code = RefusalCount(
        many=True, help_text=bilingual("Từ chối theo mã lỗi.", "Refusals by error code.")
    )
    latency_ms_p50 = serializers.IntegerField(
        allow_null=True,
        help_text=bilingual("Độ trễ trung vị (ms).", "Median latency (ms)."),
    )
    latency_ms_p95 = serializers.IntegerField(
        allow_null=True,
        help_text=bilingual("Độ trễ phân vị 95 (ms).", "95th percentile latency (ms)."),
    )


class ProblemErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=bilingual(
            "Mã lỗi của danh mục, hoặc từ khóa kiểm tra dữ liệu (required, invalid, …).",
            "A catalogue error code, or a validation keyword (required, invalid, …).",
        )
    )
    message = serializers.CharField(
        help_text=bilingual(
            "Thông báo (tiếng Việt; tiếng Anh khi Accept-Language: en).",
            "The message (Vietnamese; English with Accept-Language: en).",
        )
    )
    location = serializers.CharField(
        help_text=bilingual(
            "Vị trí: biểu mẫu, dòng, trường, dòng XML; hoặc body, query.<tên>, header.<tên>.",
            "Where: form, row, field, XML line; or body, query.<name>, header.<name>.",
        )
    )


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem document with the portal's stable error code."""

    type = serializers.URLField(
        help_text=bilingual("URI định danh loại lỗi.", "URI identifying the problem type.")
    )
    title = serializers.CharField(
        help_text=bilingual("Tóm tắt loại lỗi.", "Short summary of the problem type.")
    )
    status = serializers.IntegerField(help_text=bilingual("Mã trạng thái HTTP.", "HTTP status."))
    code = ErrorCodeField(
        help_text=bilingual(
            "Mã lỗi ổn định (danh mục mã lỗi của cổng).",
            "Stable error code (the portal's error catalogue).",
        )
    )
    detail = serializers.CharField(
        help_text=bilingual("Giải thích cho lần gọi này.", "Explanation for this call.")
    )
    errors = ProblemErrorSerializer(
        many=True,
        required=False,
        help_text=bilingual(
            "Từng lỗi tìm thấy, với vị trí.", "Each problem found, with where it is."
        ),
    )


def _problem_example(code: str, status: int, detail: str, errors: list | None = None) -> dict:
    body = {
        "type": "https://baohiemxahoi.gov.vn/problems/" + code.lower().replace("_", "-"),
        "title": detail,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return body


# One example per documented refusal status (Vietnamese: the API's default language).
PROBLEM_EXAMPLES = {
    400: _problem_example(
        "IVAN_VALIDATION",
        400,
        "Dữ liệu gửi lên không hợp lệ.",
        [{"code": "required", "message": "Trường này là bắt buộc.", "location": "url"}],
    ),
    401: _problem_example(
        "IVAN_UNAUTHENTICATED", 401, "Thiếu hoặc sai mã truy cập (access token)."
    ),
    403: _problem_example(
        "IVAN_SCOPE_MISSING",
        403,
        "Mã truy cập không có quyền (scope) cho thao tác này.",
        [{"code": "scope", "message": "dossiers:submit", "location": "token"}],
    ),
    404: _problem_example("IVAN_NOT_FOUND", 404, "Không tìm thấy."),
    413: _problem_example(
        "IVAN_PAYLOAD_TOO_LARGE",
        413,
        "Nội dung gửi lên vượt quá dung lượng cho phép; không có gì được lưu.",
    ),
    422: _problem_example(
        "IVAN_VALIDATION",
        422,
        "Dữ liệu gửi lên không hợp lệ.",
    ),
    429: _problem_example("IVAN_THROTTLED", 429, "Gửi quá nhiều yêu cầu; vui lòng thử lại sau."),
    503: _problem_example(
        "IVAN_UNAVAILABLE",
        503,
        "Hệ thống tạm thời gián đoạn (cơ sở dữ liệu đang chuyển đổi); gửi lại đúng yêu cầu này "
        "với cùng Idempotency-Key sau số giây trong Retry-After.",
    ),
}
PROBLEM_DESCRIPTIONS = {
    400: bilingual("Yêu cầu không hợp lệ.", "Invalid request."),
    401: bilingual(
        "Thiếu hoặc sai mã truy cập, hoặc hợp đồng không còn hiệu lực.",
        "Missing or invalid token, or the contract is not in force.",
    ),
    403: bilingual(
        "Mã truy cập thiếu quyền (scope), hoặc đơn vị do nhà cung cấp khác phục vụ.",
        "The token lacks the scope, or another provider carries the unit.",
    ),
    404: bilingual(
        "Không tìm thấy (hoặc không thuộc đơn vị nhà cung cấp phục vụ).",
        "Not found (or not among the units the provider carries).",
    ),
    413: bilingual("Nội dung quá lớn.", "Request body too large."),
    422: bilingual("Nội dung bị từ chối (xem `errors`).", "Content refused (see `errors`)."),
    429: bilingual(
        "Quá nhiều yêu cầu; thử lại sau số giây trong Retry-After.",
        "Too many requests; retry after the Retry-After seconds.",
    ),
    503: bilingual(
        "Tạm thời gián đoạn (chuyển đổi cơ sở dữ liệu); không có gì được ghi nhận, gửi lại sau "
        "số giây trong Retry-After với cùng Idempotency-Key.",
        "Briefly unavailable (the database is switching over); nothing was recorded: send "
        "again after the Retry-After seconds with the same Idempotency-Key.",
    ),
}


def refusal_example(
    code: str, status: int, detail: str, location: str = "body", title: str | None = None
) -> OpenApiExample:
    """An example refusal carrying ``code``: ``detail`` is its Vietnamese message, rendered;
    ``title`` as the API writes it (the refusal's message, or its code when the message has
    parameters, or "Hồ sơ bị từ chối." for a refused dossier)."""
    errors = [{"code": code, "message": detail, "location": location}]
    value = _problem_example(code, status, detail, errors)
    return OpenApiExample(code, value={**value, "title": title or detail})


CONTRACT_INACTIVE_EXAMPLE = OpenApiExample(
    "IVAN_CONTRACT_INACTIVE",
    value=_problem_example(
        "IVAN_CONTRACT_INACTIVE", 401, "Hợp đồng của nhà cung cấp I-VAN không còn hiệu lực."
    ),
)


def problems(*statuses: int, examples: dict[int, list[OpenApiExample]] | None = None) -> dict:
    """OpenAPI responses for refusals, each with its examples: every call may answer 401, 403
    429 and 503 (a failover). ``examples`` adds the operation's own (a refused dossier, another provider's
    unit); a 422's own examples replace the generic one."""
    examples = examples or {}
    out = {}
    for status in (401, 403, 429, 503, *statuses):
        extra = examples.get(status, [])
        generic = OpenApiExample(PROBLEM_EXAMPLES[status]["code"], value=PROBLEM_EXAMPLES[status])
        found = extra if (status == 422 and extra) else [generic, *extra]
        if status == 401:
            found.append(CONTRACT_INACTIVE_EXAMPLE)
        out[(status, "application/problem+json")] = OpenApiResponse(
            ProblemSerializer, description=PROBLEM_DESCRIPTIONS[status], examples=found
        )
    return out


class WarningSerializer(serializers.Serializer):
    code = ErrorCodeField(help_text=bilingual("Mã cảnh báo.", "Warning code."))
    message = serializers.CharField(help_text=bilingual("Nội dung cảnh báo.", "The warning."))


class ReceiptSerializer(serializers.Serializer):
    number = serializers.CharField(
        help_text=bilingual("Số thông báo tiếp nhận.", "Receipt notice number.")
    )
    issued_at = serializers.DateTimeField(
        help_text=bilingual("Thời điểm tiếp nhận.", "When the receipt was issued.")
    )
    warnings = serializers.SerializerMethodField(
        help_text=bilingual(
            "Cảnh báo trên thông báo tiếp nhận (ví dụ SIG_TIME_CLAIM_FAR); không phải từ chối.",
            "Warnings on the receipt (e.g. SIG_TIME_CLAIM_FAR); never a refusal.",
        )
    )

    @extend_schema_field(WarningSerializer(many=True))
    def get_warnings(self, notice):
        found = []
        for warning in notice.data.get("warnings", []):
            error = Problem(warning["code"], warning.get("params", {}))
            found.append({"code": error.code, "message": error.text()})
        return found


class DossierSerializer(serializers.Serializer):
    """A dossier as its provider sees it (receipt and status)."""

    transaction_code = serializers.CharField(help_text=TRANSACTION_CODE)
    unit_code = serializers.CharField(source="employer.unit_code", help_text=UNIT_CODE)
    procedure = serializers.CharField(source="procedure_code", help_text=PROCEDURE)
    period = serializers.CharField(
        help_text=bilingual("Kỳ kê khai (MM/yyyy).", "Declaration period (MM/yyyy).")
    )
    status = serializers.ChoiceField(
        choices=DossierStatus.choices,
        help_text=bilingual(
            "Trạng thái hồ sơ: received → in_review → accepted | rejected | "
            "supplement_requested → supplemented → in_review …; `supplement` là hồ sơ bổ sung.",
            "Dossier status: received → in_review → accepted | rejected | "
            "supplement_requested → supplemented → in_review …; `supplement` is a supplement.",
        ),
    )
    received_at = serializers.DateTimeField(
        help_text=bilingual("Thời điểm tiếp nhận.", "When it was received.")
    )
    signed_at = serializers.DateTimeField(
        allow_null=True,
        help_text=bilingual(
            "Thời điểm tin cậy dùng để đánh giá chữ ký: thời điểm tiếp nhận, hoặc của dấu "
            "thời gian RFC 3161 (xem time_source). Không bao giờ là SigningTime tự khai.",
            "The trusted time the signature was judged at: the receipt time, or an RFC 3161 "
            "timestamp's (see time_source). Never the signer's own SigningTime.",
        ),
    )
    time_source = serializers.ChoiceField(
        choices=TIME_SOURCES,
        help_text=bilingual(
            "Nguồn thời điểm tin cậy: receipt | tsa (rỗng với hồ sơ dùng tài khoản thử nghiệm).",
            "Where the trusted time came from: receipt | tsa (empty for trial dossiers).",
        ),
    )
    claimed_signing_time = serializers.DateTimeField(
        allow_null=True,
        help_text=bilingual(
            "SigningTime người ký tự khai: chỉ là lời khai, không được kiểm chứng.",
            "The SigningTime the signer claims: a claim, not verified.",
        ),
    )
    sandbox = serializers.BooleanField(
        help_text=bilingual("true: hồ sơ thử nghiệm (sandbox).", "true: a sandbox dossier.")
    )
    workers = serializers.IntegerField(
        source="worker_count",
        help_text=bilingual("Số lao động kê khai.", "Number of workers declared."),
    )
    result_held = serializers.BooleanField(
        help_text=bilingual(
            "true: kết quả chỉ trả khi nộp một bộ hồ sơ giấy (ký bằng tài khoản thử nghiệm).",
            "true: the result is released only against a paper set (trial credential).",
        )
    )
    supplement_of = serializers.SerializerMethodField(
        help_text=bilingual(
            "Với hồ sơ bổ sung (status `supplement`): mã giao dịch của hồ sơ được bổ sung; "
            "null với mọi hồ sơ khác.",
            "For a supplement (status `supplement`): the transaction code of the dossier it "
            "answers; null for every other dossier.",
        )
    )
    receipt = serializers.SerializerMethodField(
        help_text=bilingual(
            "Thông báo tiếp nhận (null khi chưa có).", "The receipt notice (null when none yet)."
        )
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_supplement_of(self, dossier):
        if dossier.supplement_of_id is None:
            return None
        # Annotated by the API's lists (no query per row); a new supplement has it loaded.
        code = getattr(dossier, "supplement_of_code", None)
        return code or dossier.supplement_of.transaction_code

    @extend_schema_field(ReceiptSerializer(allow_null=True))
    def get_receipt(self, dossier):
        receipt = self.context.get("receipt") or next(
            (n for n in dossier.notices.all() if n.kind == "receipt"), None
        )
        return ReceiptSerializer(receipt).data if receipt else None


class SubmitAnswerSerializer(DossierSerializer):
    duplicate = serializers.BooleanField(
        help_text=bilingual(
            "true: hồ sơ này đã được nhận trước đó (trả lại thông báo tiếp nhận cũ, mã 200).",
            "true: this dossier was received before (its first receipt answered, status 200).",
        )
    )


class DossierUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=bilingual(
            "Hồ sơ điện tử đã ký (Hoso) dạng tệp XML.", "The signed envelope (Hoso) as an XML file."
        )
    )


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text=bilingual(
            "Mã số thông báo, tăng dần: dùng làm `after` cho lần lấy sau.",
            "Notice id, increasing: use as `after` on the next pull.",
        )
    )
    number = serializers.CharField(help_text=bilingual("Số thông báo.", "Notice number."))
    kind = serializers.ChoiceField(
        choices=NoticeKind.choices, help_text=bilingual("Loại thông báo.", "Kind of notice.")
    )
    form_number = serializers.CharField(
        help_text=bilingual(
            "Mẫu biểu (ví dụ 101, 103 với phiếu giấy); có thể rỗng.",
            "Form number (e.g. 101, 103 for paper slips); may be empty.",
        )
    )
    issued_at = serializers.DateTimeField(
        help_text=bilingual("Thời điểm phát hành.", "When it was issued.")
    )
    transaction_code = serializers.CharField(
        source="dossier.transaction_code", help_text=TRANSACTION_CODE
    )
    unit_code = serializers.CharField(source="dossier.employer.unit_code", help_text=UNIT_CODE)
    data = serializers.JSONField(
        help_text=bilingual(
            "Nội dung thông báo theo loại (ví dụ số tệp, số lao động, lý do).",
            "The notice's content by kind (e.g. files, workers, reasons).",
        )
    )


class NoticePageSerializer(serializers.Serializer):
    results = NoticeSerializer(
        many=True, help_text=bilingual("Các thông báo, theo id tăng dần.", "Notices, by id.")
    )
    after = serializers.IntegerField(
        help_text=bilingual(
            "Gửi lại làm ?after= ở lần lấy sau.", "Pass as ?after= on the next pull."
        )
    )
    has_more = serializers.BooleanField(
        help_text=bilingual("true: còn thông báo, lấy tiếp ngay.", "true: more to pull now.")
    )


class RegistrationRequestSerializer(serializers.Serializer):
    """04/ĐK-IVAN filed by the provider for an employer."""

    unit_code = serializers.RegexField(r"^[A-Za-z0-9]{1,12}$", help_text=UNIT_CODE)
    unit_name = serializers.CharField(
        max_length=255, help_text=bilingual("Tên đơn vị.", "The unit's name.")
    )
    address = serializers.CharField(
        max_length=300, help_text=bilingual("Địa chỉ đơn vị.", "The unit's address.")
    )
    tax_code = serializers.RegexField(r"^\d{10}(-\d{3})?$", help_text=TAX_CODE)
    email = serializers.EmailField(
        max_length=254,
        help_text=bilingual("Thư điện tử nhận thông báo.", "E-mail for notices."),
    )
    phone = serializers.RegexField(
        r"^[0-9+ ()-]{6,20}$", help_text=bilingual("Điện thoại liên hệ.", "Contact phone.")
    )
    procedures = serializers.CharField(
        max_length=200,
        help_text=bilingual(
            'Các thủ tục đăng ký giao dịch, ví dụ "600, 600a".',
            'Procedures to transact, e.g. "600, 600a".',
        ),
    )
    result_delivery = serializers.ChoiceField(
        ResultDelivery.choices,
        default="office",
        help_text=bilingual(
            "Nhận kết quả: tại cơ quan BHXH (office) hay qua bưu điện (post).",
            "Result delivery: at the office (office) or by post (post).",
        ),
    )
    postal_address = serializers.CharField(
        max_length=300,
        required=False,
        default="",
        help_text=bilingual(
            "Địa chỉ nhận kết quả qua bưu điện.", "Postal address for results by post."
        ),
    )
    certificate = serializers.CharField(
        help_text=bilingual(
            "Chứng thư số ký hồ sơ của đơn vị, PEM hoặc DER base64.",
            "The employer's signing certificate, PEM or base64 DER.",
        )
    )
    signed_form = serializers.CharField(
        max_length=SIGNED_FORM_MAX_CHARS,
        help_text=bilingual(
            "Bằng chứng nắm giữ khóa: tờ khai 04/ĐK-IVAN (gốc ToKhai04DKIVAN) ghi đơn vị, MST "
            "và số sê-ri chứng thư này, ký tại ToKhai04DKIVAN/Cky bằng chính chứng thư đăng "
            "ký, lập trong 30 ngày gần nhất; base64.",
            "Proof of possession: the 04/ĐK-IVAN XML (root ToKhai04DKIVAN) naming this unit, "
            "MST and certificate serial, signed at ToKhai04DKIVAN/Cky with the certificate "
            "being registered, made within the last 30 days; base64.",
        ),
    )


class RegistrationSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=bilingual("Mã đăng ký.", "Registration id."))
    unit_code = serializers.CharField(source="employer.unit_code", help_text=UNIT_CODE)
    status = serializers.ChoiceField(
        choices=RegistrationStatus.choices,
        help_text=bilingual("Trạng thái xét duyệt đăng ký.", "Approval state of the registration."),
    )
    cert_serial = serializers.CharField(
        help_text=bilingual("Số sê-ri chứng thư số.", "Certificate serial number.")
    )
    submitted_at = serializers.DateTimeField(
        help_text=bilingual("Thời điểm nộp đăng ký.", "When it was filed.")
    )


class EmployerChangeSerializer(serializers.Serializer):
    """05/SD-IVAN: only the fields sent change."""

    contact_email = serializers.EmailField(
        max_length=254,
        required=False,
        help_text=bilingual("Thư điện tử liên hệ mới.", "New contact e-mail."),
    )
    contact_phone = serializers.RegexField(
        r"^[0-9+ ()-]{6,20}$",
        required=False,
        help_text=bilingual("Điện thoại liên hệ mới.", "New contact phone."),
    )
    address = serializers.CharField(
        max_length=300, required=False, help_text=bilingual("Địa chỉ mới.", "New address.")
    )
    result_delivery = serializers.ChoiceField(
        ResultDelivery.choices,
        required=False,
        help_text=bilingual(
            "Cách nhận kết quả: office | post.", "How results are delivered: office | post."
        ),
    )
    postal_address = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text=bilingual("Địa chỉ nhận kết quả qua bưu điện.", "Postal address for results."),
    )
    certificate = serializers.CharField(
        required=False,
        help_text=bilingual(
            "Chứng thư số gia hạn hoặc thay thế, PEM hoặc DER base64.",
            "A renewed or replacement certificate, PEM or base64 DER.",
        ),
    )
    signed_form = serializers.CharField(
        required=False,
        max_length=SIGNED_FORM_MAX_CHARS,
        help_text=bilingual(
            "Bắt buộc khi gửi `certificate`: tờ khai 04/ĐK-IVAN cho chứng thư mới, ký bằng "
            "chính chứng thư đó; base64.",
            "Required with `certificate`: the 04/ĐK-IVAN for the new certificate, signed with "
            "it (proof of possession); base64.",
        ),
    )

    def validate(self, attrs):
        if "signed_form" in attrs and "certificate" not in attrs:
            raise serializers.ValidationError(
                {"signed_form": "only with a new certificate"}, code="certificate_required"
            )
        return attrs


class EmployerStopSerializer(serializers.Serializer):
    """06/NG-IVAN."""

    reason = serializers.CharField(
        max_length=300,
        required=False,
        default="",
        allow_blank=True,
        help_text=bilingual("Lý do ngừng.", "Why the unit stops."),
    )


# --- people: what the provider's units filed, read back --------------------------------------
class SpellSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(k.value, v) for k, v in SPELL_STATUS_LABELS.items()],
        help_text=bilingual(
            "Tình trạng: đang đóng, hoặc tạm dừng (thai sản, ốm dài ngày, nghỉ không lương).",
            "State: contributing, or paused (maternity, long sickness, unpaid leave).",
        ),
    )
    from_month = serializers.DateField(
        format="%Y-%m",
        help_text=bilingual("Tháng bắt đầu (yyyy-MM).", "First month covered (yyyy-MM)."),
    )
    job = serializers.CharField(help_text=bilingual("Chức vụ, chức danh.", "Job title."))
    workplace = serializers.CharField(help_text=bilingual("Nơi làm việc.", "Workplace."))
    salary = serializers.IntegerField(help_text=bilingual("Tiền lương (đồng).", "Salary (VND)."))
    coefficient = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        allow_null=True,
        help_text=bilingual("Hệ số lương (nếu có).", "Salary coefficient (if any)."),
    )
    allowances = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=bilingual(
            "Các khoản phụ cấp theo tên cột D02-LT (đồng).",
            "Allowances by their D02-LT column name (VND).",
        ),
    )
    rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text=bilingual("Tỷ lệ đóng (%).", "Contribution rate (%)."),
    )
    plan = serializers.CharField(
        source="opened_plan",
        help_text=bilingual(
            "Phương án đã mở quá trình (ví dụ TM, TD, ON, DC).",
            "The plan code (phương án) that opened the spell (e.g. TM, TD, ON, DC).",
        ),
    )


class CurrentCardSerializer(serializers.Serializer):
    number = serializers.CharField(help_text=bilingual("Mã thẻ BHYT.", "Health card number."))
    valid_to = serializers.DateField(
        allow_null=True,
        help_text=bilingual(
            "Hạn thẻ (null: còn giá trị khi vẫn đóng).", "Valid to (null: while contributing)."
        ),
    )


class WorkerSerializer(serializers.Serializer):
    number = serializers.CharField(source="person.number", help_text=SOCIAL_NUMBER)
    full_name = serializers.CharField(help_text=FULL_NAME)
    spell = serializers.SerializerMethodField(
        help_text=bilingual("Quá trình tham gia hiện tại.", "The current employment spell.")
    )
    card = serializers.SerializerMethodField(
        help_text=bilingual(
            "Thẻ BHYT còn hiệu lực do đơn vị cấp (null: không có).",
            "The valid health card issued through the unit (null: none).",
        )
    )

    @extend_schema_field(SpellSerializer)
    def get_spell(self, spell):
        return SpellSerializer(spell).data

    @extend_schema_field(CurrentCardSerializer(allow_null=True))
    def get_card(self, spell):
        if not spell.card_number:
            return None
        return {"number": spell.card_number, "valid_to": spell.card_valid_to}


class CardSerializer(serializers.Serializer):
    number = serializers.CharField(
        help_text=bilingual(
            "Mã thẻ BHYT: mã đối tượng, mức hưởng, mã tỉnh, mã số BHXH.",
            "Card number: beneficiary group, benefit level, province, social-insurance number.",
        )
    )
    person_number = serializers.CharField(source="person.number", help_text=SOCIAL_NUMBER)
    full_name = serializers.CharField(help_text=FULL_NAME)
    status = serializers.ChoiceField(
        choices=CardStatus.choices,
        help_text=bilingual(
            "Trạng thái thẻ; `to_return`: đơn vị phải nộp lại thẻ còn hạn sau khi báo giảm.",
            "Card state; `to_return`: the unit must hand the still-valid card back after a "
            "decrease.",
        ),
    )
    valid_from = serializers.DateField(help_text=bilingual("Giá trị từ ngày.", "Valid from."))
    valid_to = serializers.DateField(
        allow_null=True,
        help_text=bilingual(
            "Giá trị đến ngày (null: còn giá trị khi vẫn đóng).",
            "Valid to (null: while contributing).",
        ),
    )
    covered_to = serializers.DateField(
        allow_null=True,
        help_text=bilingual(
            "Ngày cuối được hưởng sau khi báo giảm.", "Last day covered after a decrease."
        ),
    )
    hospital = serializers.CharField(
        help_text=bilingual(
            "Nơi đăng ký khám chữa bệnh ban đầu (mã).", "First-contact hospital (code)."
        )
    )
    issued_at = serializers.DateTimeField(help_text=bilingual("Thời điểm cấp.", "When issued."))
    return_asked_by = serializers.CharField(
        source="return_asked_by.transaction_code",
        allow_null=True,
        default=None,
        help_text=bilingual(
            "Mã giao dịch của hồ sơ báo giảm yêu cầu nộp lại thẻ (null: không có).",
            "Transaction code of the decrease that asked for the card back (null: none).",
        ),
    )
    returned_at = serializers.DateTimeField(
        allow_null=True,
        help_text=bilingual("Thời điểm đơn vị đã nộp lại thẻ.", "When the unit handed it back."),
    )
