"""Dossiers and notices of the I-VAN API: submit the signed envelope (XML body or multipart)
through the one intake pipeline, with ``Idempotency-Key``; status; lists with a cursor."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import F
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.scope import scoped_to_provider
from declarations.dossiers.models import Dossier, DossierStatus, Notice, NoticeKind
from declarations.employers.models import Employer
from declarations.intake.pipeline import intake_submit
from ivan.api.answers import submit_answer
from ivan.api.base import ProviderApiView, ProviderViewSet
from ivan.api.errors import ApiProblem, message_for, problem_response
from ivan.api.pagination import ProviderCursor
from ivan.api.parsers import EnvelopeMultiPartParser, TextXmlBodyParser, XmlBodyParser
from ivan.api.serializers import (
    DossierSerializer,
    DossierUploadSerializer,
    NoticePageSerializer,
    NoticeSerializer,
    SubmitAnswerSerializer,
    problems,
    refusal_example,
)
from ivan.api.texts import PROCEDURE, TRANSACTION_CODE, UNIT_CODE, bilingual, title
from ivan.idempotency import Answer, IdempotencyConflict, Store, idempotent_call, request_hash

# Intake refusals that are about who may submit, not what was submitted.
FORBIDDEN_CODES = {"CHANNEL_FORBIDDEN"}


class ReceivedCursor(ProviderCursor):
    ordering = "-id"


def provider_dossiers(client):
    """Dossiers of the employers the client's provider carries now, in its realm (sandbox
    clients see sandbox dossiers only, live clients live ones)."""
    employers = scoped_to_provider(client.provider_id, Employer.objects.all())
    return (
        Dossier.objects.filter(employer__in=employers.values("pk"), sandbox=client.sandbox)
        .select_related("employer")
        .annotate(supplement_of_code=F("supplement_of__transaction_code"))
        .prefetch_related("notices")
    )


RECEIPT_EXAMPLE = {
    "transaction_code": "20261122-9F3A1C07B2",
    "unit_code": "TZH490L",
    "procedure": "600",
    "period": "10/2026",
    "status": "received",
    "received_at": "2026-11-22T08:15:02+07:00",
    "sandbox": False,
    "workers": 50,
    "result_held": False,
    "supplement_of": None,
    "receipt": {"number": "TB-20261122-9F3A1C07B2", "issued_at": "2026-11-22T08:15:02+07:00"},
}
SUPPLEMENT_EXAMPLE = {
    **RECEIPT_EXAMPLE,
    "transaction_code": "20261127-4C81D0E5A3",
    "status": "supplement",
    "received_at": "2026-11-27T14:02:40+07:00",
    "supplement_of": "20261122-9F3A1C07B2",
    "receipt": {"number": "TB-20261127-4C81D0E5A3", "issued_at": "2026-11-27T14:02:40+07:00"},
    "duplicate": False,
}
SUPPLEMENT_REFUSAL_EXAMPLE = {
    "type": "https://baohiemxahoi.gov.vn/problems/supplement-not-awaited",
    "title": "Hồ sơ bị từ chối.",
    "status": 422,
    "code": "SUPPLEMENT_NOT_AWAITED",
    "detail": "Hồ sơ 20261122-9F3A1C07B2 không ở trạng thái chờ bổ sung (trạng thái: Đã bổ sung).",
    "errors": [
        {
            "code": "SUPPLEMENT_NOT_AWAITED",
            "message": "Hồ sơ 20261122-9F3A1C07B2 không ở trạng thái chờ bổ sung "
            "(trạng thái: Đã bổ sung).",
            "location": "body",
        }
    ],
}
REFUSAL_EXAMPLE = {
    "type": "https://baohiemxahoi.gov.vn/problems/row-bhxh-format",
    "title": "Hồ sơ bị từ chối.",
    "status": 422,
    "code": "ROW_BHXH_FORMAT",
    "detail": "Mã số BHXH 79000001 phải gồm đúng 10 chữ số.",
    "errors": [
        {
            "code": "ROW_BHXH_FORMAT",
            "message": "Mã số BHXH 79000001 phải gồm đúng 10 chữ số.",
            "location": "D02-LT, row 3, MasoBHXH",
        }
    ],
}
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=bilingual(
        "Khóa do bạn chọn cho mỗi hồ sơ (≤ 200 ký tự). Gửi lại cùng khóa và cùng nội dung "
        "nhận lại thông báo tiếp nhận đầu tiên; cùng khóa với nội dung khác bị từ chối (422 "
        "`IVAN_IDEMPOTENCY_CONFLICT`).",
        "A key you choose per dossier (≤ 200 characters). A repeat with the same key and body "
        "answers the first receipt; the same key with another body is refused (422 "
        "`IVAN_IDEMPOTENCY_CONFLICT`).",
    ),
)
TRANSACTION_CODE_PATH = OpenApiParameter(
    "transaction_code",
    {"type": "string", "pattern": "^[A-Za-z0-9-]{1,32}$"},
    OpenApiParameter.PATH,
    description=TRANSACTION_CODE,
)
IDEMPOTENCY_CONFLICT_EXAMPLE = OpenApiExample(
    "IVAN_IDEMPOTENCY_CONFLICT",
    value={
        "type": "https://baohiemxahoi.gov.vn/problems/ivan-idempotency-conflict",
        "title": "Khóa Idempotency-Key đã được dùng cho một nội dung khác.",
        "status": 422,
        "code": "IVAN_IDEMPOTENCY_CONFLICT",
        "detail": "Khóa Idempotency-Key đã được dùng cho một nội dung khác.",
    },
)
CHANNEL_FORBIDDEN_EXAMPLE = OpenApiExample(
    "CHANNEL_FORBIDDEN",
    value={
        "type": "https://baohiemxahoi.gov.vn/problems/channel-forbidden",
        "title": "Hồ sơ bị từ chối.",
        "status": 403,
        "code": "CHANNEL_FORBIDDEN",
        "detail": "Bạn không được nộp hồ sơ cho đơn vị này qua kênh này.",
        "errors": [
            {
                "code": "CHANNEL_FORBIDDEN",
                "message": "Bạn không được nộp hồ sơ cho đơn vị này qua kênh này.",
                "location": "body",
            }
        ],
    },
)
ENVELOPE_BODY = {
    "application/xml": OpenApiTypes.BINARY,
    "multipart/form-data": DossierUploadSerializer,
}
ENVELOPE_EXAMPLE = OpenApiExample(
    "signed envelope",
    request_only=True,
    media_type="application/xml",
    value='<?xml version="1.0" encoding="UTF-8"?><Hoso><ThongTinDonVi>'
    "<MaDonVi>TZH490L</MaDonVi>…</ThongTinDonVi>…<CKy_Dvi>"
    '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">…</Signature>'
    "</CKy_Dvi></Hoso>",
)


def query_text(request, name: str, max_length: int = 40) -> str:
    """A text filter from the query string; refused (400) when it cannot be a value."""
    value = request.query_params.get(name, "")
    if len(value) > max_length or "\x00" in value:
        raise ApiProblem(
            "IVAN_VALIDATION",
            400,
            errors=[{"code": "invalid", "message": name, "location": f"query.{name}"}],
        )
    return value


def _location(error: dict) -> str:
    loc = error.get("location") or {}
    parts = [loc.get("form")]
    if loc.get("row") is not None:
        parts.append(f"row {loc['row']}")
    parts.append(loc.get("field"))
    if loc.get("line"):
        parts.append(f"line {loc['line']}")
    return ", ".join(str(p) for p in parts if p) or "body"


def refusal_body(result, status_code: int) -> dict:
    errors = [
        {"code": e["code"], "message": e["message"], "location": _location(e)}
        for e in result.errors_as_dicts(translation.get_language())
    ]
    response = problem_response(
        code=errors[0]["code"],
        status_code=status_code,
        detail=errors[0]["message"],
        errors=errors,
    )
    return {**response.data, "title": message_for("IVAN_DOSSIER_REFUSED")}


class DossierViewSet(ProviderViewSet):
    """Submit dossiers and follow their status (employers carried by the provider only)."""

    parser_classes = [XmlBodyParser, TextXmlBodyParser, EnvelopeMultiPartParser]
    pagination_class = ReceivedCursor
    serializer_class = DossierSerializer
    queryset = Dossier.objects.none()
    lookup_field = "transaction_code"
    lookup_value_regex = "[A-Za-z0-9-]{1,32}"
    required_scopes = {
        "create": ["dossiers:submit"],
        "supplement": ["dossiers:submit"],
        "list": ["dossiers:read"],
        "retrieve": ["dossiers:read"],
    }

    def get_queryset(self):
        queryset = provider_dossiers(self.client)
        if self.action != "list":
            return queryset
        params = self.request.query_params
        for name, lookup in (
            ("status", "status"),
            ("procedure", "procedure_code"),
            ("unit_code", "employer__unit_code"),
        ):
            value = query_text(self.request, name)
            if value:
                queryset = queryset.filter(**{lookup: value})
        for name, lookup in (("received_from", "gte"), ("received_to", "lte")):
            if params.get(name):
                try:
                    moment = datetime.fromisoformat(query_text(self.request, name))
                except ValueError:
                    raise ApiProblem(
                        "IVAN_VALIDATION",
                        400,
                        errors=[
                            {"code": "date", "message": params[name], "location": f"query.{name}"}
                        ],
                    ) from None
                queryset = queryset.filter(**{f"received_at__date__{lookup}": moment.date()})
        return queryset

    def _envelope(self, request) -> bytes:
        data = request.data
        if isinstance(data, bytes):
            return data
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiProblem(
                "IVAN_VALIDATION",
                400,
                errors=[{"code": "required", "message": "file", "location": "body.file"}],
            )
        return upload.read(settings.INTAKE_MAX_BYTES + 1)

    @extend_schema(
        operation_id="dossiers_submit",
        tags=["dossiers"],
        summary=title("Nộp hồ sơ điện tử đã ký", "Submit a signed dossier envelope"),
        description=bilingual(
            "Hồ sơ (Hoso) đã được đơn vị ký số, gửi nguyên văn (`application/xml`) hoặc dạng "
            "tệp (`multipart/form-data`, trường `file`). Hồ sơ đi qua cùng quy trình tiếp nhận "
            "như trên cổng (kiểm tra XML, lược đồ, chữ ký, chứng thư, quy tắc nghiệp vụ): 201 "
            "kèm thông báo tiếp nhận; 200 khi là hồ sơ đã nhận trước đó (`duplicate`); 422 "
            "liệt kê mọi lỗi tìm thấy trong `errors` (mã lỗi: docs/errors.md); 403 "
            "`CHANNEL_FORBIDDEN` khi đơn vị không giao dịch qua nhà cung cấp này. Nên gửi "
            "`Idempotency-Key` để gửi lại an toàn.",
            "The envelope (Hoso) signed by the employer, sent as is (`application/xml`) or as a "
            "file (`multipart/form-data`, field `file`). It goes through the same intake as the "
            "portal (XML, schema, signature, certificate, business rules): 201 with the receipt; "
            "200 when the dossier was received before (`duplicate`); 422 lists every problem "
            "found in `errors` (codes: docs/errors.md); 403 `CHANNEL_FORBIDDEN` when the "
            "employer does not transact through this provider. Send an `Idempotency-Key` to "
            "retry safely.",
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=ENVELOPE_BODY,
        responses={
            201: SubmitAnswerSerializer,
            200: SubmitAnswerSerializer,
            **problems(
                400,
                413,
                422,
                examples={
                    403: [CHANNEL_FORBIDDEN_EXAMPLE],
                    422: [
                        OpenApiExample("ROW_BHXH_FORMAT", value=REFUSAL_EXAMPLE),
                        IDEMPOTENCY_CONFLICT_EXAMPLE,
                    ],
                },
            ),
        },
        examples=[
            ENVELOPE_EXAMPLE,
            OpenApiExample(
                "receipt",
                value={**RECEIPT_EXAMPLE, "duplicate": False},
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "duplicate",
                value={**RECEIPT_EXAMPLE, "duplicate": True},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def create(self, request, *args, **kwargs):
        return self._submit(request)

    @extend_schema(
        operation_id="dossiers_supplement",
        tags=["dossiers"],
        summary=title(
            "Nộp hồ sơ bổ sung đã ký cho hồ sơ đang chờ bổ sung",
            "Submit a signed supplement to a dossier awaiting one",
        ),
        description=bilingual(
            "Trả lời yêu cầu bổ sung của cơ quan BHXH (hồ sơ ở trạng thái "
            "`supplement_requested`): một hồ sơ mới đã ký, cùng dạng với `POST /dossiers`, "
            "cùng đơn vị và thủ tục, qua cùng các bước kiểm tra. Hồ sơ bổ sung có thông báo "
            "tiếp nhận và mã giao dịch riêng (status `supplement`, `supplement_of` ghi hồ sơ "
            "được bổ sung) và không được quyết định riêng: hồ sơ gốc chuyển sang `supplemented` "
            "và thời hạn giải quyết tính tiếp. Từ chối ngoài các mã của bước tiếp nhận: "
            "`SUPPLEMENT_NOT_AWAITED`, `SUPPLEMENT_OTHER_UNIT`, `SUPPLEMENT_OTHER_PROCEDURE`, "
            "`SUPPLEMENT_DUPLICATE` (422); hồ sơ của đơn vị bạn không phục vụ: 404.",
            "The unit's answer to a supplement request (yêu cầu bổ sung; the dossier's status "
            "is `supplement_requested`): a new signed envelope, the same body as "
            "`POST /dossiers`, for the same unit and procedure, through the same checks. It "
            "gets its own receipt and transaction code (status `supplement`, `supplement_of` "
            "naming the dossier) and is not decided by itself: the dossier moves to "
            "`supplemented` and its legal time limit runs again. Refusals besides the "
            "intake's: `SUPPLEMENT_NOT_AWAITED`, `SUPPLEMENT_OTHER_UNIT`, "
            "`SUPPLEMENT_OTHER_PROCEDURE`, `SUPPLEMENT_DUPLICATE` (422); a dossier of a unit "
            "you do not carry: 404.",
        ),
        parameters=[TRANSACTION_CODE_PATH, IDEMPOTENCY_KEY],
        request=ENVELOPE_BODY,
        responses={
            201: SubmitAnswerSerializer,
            200: SubmitAnswerSerializer,
            **problems(
                400,
                404,
                413,
                422,
                examples={
                    422: [
                        OpenApiExample("SUPPLEMENT_NOT_AWAITED", value=SUPPLEMENT_REFUSAL_EXAMPLE),
                        refusal_example(
                            "SUPPLEMENT_OTHER_UNIT",
                            422,
                            "Hồ sơ 20261122-9F3A1C07B2 do đơn vị khác nộp; hồ sơ bổ sung phải do "
                            "chính đơn vị đã nộp hồ sơ gửi.",
                            title="Hồ sơ bị từ chối.",
                        ),
                        refusal_example(
                            "SUPPLEMENT_OTHER_PROCEDURE",
                            422,
                            "Hồ sơ 20261122-9F3A1C07B2 thuộc thủ tục 600; hồ sơ bổ sung không thể "
                            "thuộc thủ tục 601.",
                            title="Hồ sơ bị từ chối.",
                        ),
                        refusal_example(
                            "SUPPLEMENT_DUPLICATE",
                            422,
                            "Tệp hồ sơ này đã được tiếp nhận với mã giao dịch "
                            "20261127-4C81D0E5A3; hãy ký hồ sơ bổ sung thành một tệp mới.",
                            title="Hồ sơ bị từ chối.",
                        ),
                        IDEMPOTENCY_CONFLICT_EXAMPLE,
                    ]
                },
            ),
        },
        examples=[
            ENVELOPE_EXAMPLE,
            OpenApiExample(
                "receipt", value=SUPPLEMENT_EXAMPLE, response_only=True, status_codes=["201"]
            ),
            OpenApiExample(
                "duplicate",
                value={**SUPPLEMENT_EXAMPLE, "duplicate": True},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    @action(detail=True, methods=["post"], url_path="supplements")
    def supplement(self, request, *args, **kwargs):
        original = self.get_object()  # 404 unless the provider carries its unit
        return self._submit(request, supplement_of=original.transaction_code)

    def _submit(self, request, *, supplement_of: str | None = None):
        """A signed envelope through the intake, once per Idempotency-Key."""
        client = self.client
        data = self._envelope(request)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 200 or "\x00" in key:
            raise ApiProblem(
                "IVAN_VALIDATION",
                400,
                errors=[
                    {"code": "max_length", "message": "200", "location": "header.Idempotency-Key"}
                ],
            )

        def work(store: Store | None) -> Answer:
            written = []

            def along(dossier, receipt):
                # A new dossier: its answer under the key, and this call's statistics row
                # and audit entry, go in with it in its one statement.
                answer = Answer(201, submit_answer(dossier, receipt, duplicate=False))
                written.append(answer)
                rows = store.rows(answer) if store is not None else []
                return [*rows, *self.call_rows(request, 201)]

            result = intake_submit(
                data=data,
                channel="ivan",
                provider=client.provider,
                sandbox=client.sandbox,
                actor=None,
                supplement_of=supplement_of,
                along=along,
            )
            if not result.ok:
                forbidden = {e.code for e in result.errors} & FORBIDDEN_CODES
                code = 403 if forbidden else 422
                return Answer(code, refusal_body(result, code))
            if written and not result.duplicate:
                request.ivan_call_written = True
                return written[0]
            body = submit_answer(result.dossier, result.receipt, duplicate=result.duplicate)
            return Answer(200 if result.duplicate else 201, body)

        # A supplement's key also names the dossier it answers.
        parts = (data,) if supplement_of is None else ("supplement", supplement_of, data)
        try:
            answer = idempotent_call(
                client=client, key=key, fingerprint=request_hash(*parts), work=work
            )
        except IdempotencyConflict:
            raise ApiProblem("IVAN_IDEMPOTENCY_CONFLICT", 422) from None
        headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
        if answer.status_code >= 400:
            response = Response(
                answer.body,
                status=answer.status_code,
                headers=headers,
                content_type="application/problem+json",
            )
            response.error_code = answer.body.get("code", "")
            return response
        return Response(answer.body, status=answer.status_code, headers=headers)

    @extend_schema(
        operation_id="dossiers_list",
        tags=["dossiers"],
        summary=title("Danh sách hồ sơ", "List dossiers"),
        description=bilingual(
            "Hồ sơ của các đơn vị nhà cung cấp đang phục vụ, mới nhất trước (client sandbox "
            "chỉ thấy hồ sơ sandbox), lọc theo trạng thái, thủ tục, đơn vị, ngày tiếp nhận; "
            "phân trang bằng con trỏ (`cursor`, `page_size` 1–200).",
            "Dossiers of the employers the provider carries, newest first (a sandbox client "
            "sees sandbox dossiers only), filtered by status, procedure, unit and receipt "
            "date; cursor pagination (`cursor`, `page_size` 1–200).",
        ),
        parameters=[
            OpenApiParameter(
                "status",
                {"type": "string", "enum": list(DossierStatus.values)},
                description=bilingual(
                    "Chỉ hồ sơ ở trạng thái này.", "Only dossiers in this status."
                ),
            ),
            OpenApiParameter("procedure", OpenApiTypes.STR, description=PROCEDURE),
            OpenApiParameter("unit_code", OpenApiTypes.STR, description=UNIT_CODE),
            OpenApiParameter(
                "received_from",
                OpenApiTypes.DATE,
                description=bilingual(
                    "Tiếp nhận từ ngày (YYYY-MM-DD).", "Received from (YYYY-MM-DD)."
                ),
            ),
            OpenApiParameter(
                "received_to",
                OpenApiTypes.DATE,
                description=bilingual(
                    "Tiếp nhận đến ngày (YYYY-MM-DD).", "Received up to (YYYY-MM-DD)."
                ),
            ),
        ],
        responses={200: DossierSerializer(many=True), **problems(400, 404)},
        examples=[OpenApiExample("page", value=RECEIPT_EXAMPLE, response_only=True)],
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DossierSerializer(page, many=True).data)

    @extend_schema(
        operation_id="dossiers_retrieve",
        tags=["dossiers"],
        summary=title("Trạng thái một hồ sơ", "One dossier's status"),
        description=bilingual(
            "Hồ sơ theo mã giao dịch, với trạng thái và thông báo tiếp nhận; 404 "
            "`IVAN_NOT_FOUND` khi hồ sơ không thuộc đơn vị nhà cung cấp phục vụ.",
            "The dossier by transaction code, with its status and receipt; 404 "
            "`IVAN_NOT_FOUND` when it is not of a unit the provider carries.",
        ),
        parameters=[TRANSACTION_CODE_PATH],
        responses={200: DossierSerializer, **problems(404)},
        examples=[OpenApiExample("dossier", value=RECEIPT_EXAMPLE, response_only=True)],
    )
    def retrieve(self, request, *args, **kwargs):
        return Response(DossierSerializer(self.get_object()).data)


NOTICE_EXAMPLE = {
    "id": 4711,
    "number": "TB-20261122-9F3A1C07B2",
    "kind": "receipt",
    "form_number": "",
    "issued_at": "2026-11-22T08:15:02+07:00",
    "transaction_code": "20261122-9F3A1C07B2",
    "unit_code": "TZH490L",
    "data": {"files": 1, "workers": 50},
}


class NoticeView(ProviderApiView):
    """Receipts and result notices of the provider's employers, pulled in id order with
    ``?after=<last id seen>`` (a stable cursor: a later pull returns only what is new)."""

    required_scopes = {"get": ["notices:read"]}
    page_size = 100
    max_page_size = 500

    def get_queryset(self):
        return Notice.objects.filter(
            dossier__in=provider_dossiers(self.client).values("pk")
        ).select_related("dossier__employer")

    def _int(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.request.query_params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise ApiProblem(
                "IVAN_VALIDATION",
                400,
                errors=[{"code": "range", "message": f"{low}–{high}", "location": f"query.{name}"}],
            )
        return value

    @extend_schema(
        operation_id="notices_list",
        tags=["notices"],
        summary=title("Lấy thông báo mới", "Pull new notices"),
        description=bilingual(
            "Thông báo tiếp nhận và thông báo kết quả của các đơn vị nhà cung cấp phục vụ, "
            "theo id tăng dần. Gửi lại `after` của trang trước: lần lấy sau chỉ trả phần mới; "
            "`has_more` cho biết còn trang tiếp.",
            "Receipts and result notices of the provider's employers, in id order. Send back "
            "the previous page's `after`: a later pull returns only what is new; `has_more` "
            "says another page is waiting.",
        ),
        parameters=[
            OpenApiParameter(
                "after",
                {"type": "integer", "minimum": 0, "maximum": 2**62},
                description=bilingual(
                    "Chỉ thông báo có id lớn hơn giá trị này (`after` của trang trước); 0 hoặc "
                    "bỏ trống: từ đầu.",
                    "Return notices with an id greater than this (the `after` of your previous "
                    "page); 0 or absent: from the start.",
                ),
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
                description=bilingual(
                    "Số thông báo mỗi trang (1–500).", "Notices per page (1–500)."
                ),
            ),
            OpenApiParameter(
                "kind",
                {"type": "string", "enum": list(NoticeKind.values)},
                description=bilingual("Chỉ loại thông báo này.", "Only notices of this kind."),
            ),
        ],
        responses={200: NoticePageSerializer, **problems(400)},
        examples=[
            OpenApiExample(
                "page",
                value={"results": [NOTICE_EXAMPLE], "after": 4711, "has_more": False},
                response_only=True,
            )
        ],
    )
    def get(self, request):
        after = self._int("after", 0, 0, 2**62)
        size = self._int("page_size", self.page_size, 1, self.max_page_size)
        queryset = self.get_queryset().filter(id__gt=after)
        kind = query_text(request, "kind")
        if kind:
            queryset = queryset.filter(kind=kind)
        rows = list(queryset.order_by("id")[: size + 1])
        page = rows[:size]
        body = {
            "results": NoticeSerializer(page, many=True).data,
            "after": page[-1].pk if page else after,
            "has_more": len(rows) > size,
        }
        return Response(body)
