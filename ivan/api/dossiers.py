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
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from accounts.scope import scoped_to_provider
from declarations.dossiers.models import Dossier, Notice
from declarations.employers.models import Employer
from declarations.intake.pipeline import intake_submit
from ivan.api.base import ProviderApiView, ProviderViewSet
from ivan.api.errors import ApiProblem, message_for, problem_response
from ivan.api.parsers import EnvelopeMultiPartParser, TextXmlBodyParser, XmlBodyParser
from ivan.api.serializers import (
    DossierSerializer,
    DossierUploadSerializer,
    NoticePageSerializer,
    NoticeSerializer,
    SubmitAnswerSerializer,
    problems,
)
from ivan.idempotency import Answer, IdempotencyConflict, idempotent_call, request_hash

# Intake refusals that are about who may submit, not what was submitted.
FORBIDDEN_CODES = {"CHANNEL_FORBIDDEN"}


class ReceivedCursor(CursorPagination):
    ordering = "-id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


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
    "title": "Hồ sơ bị từ chối",
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
    "title": "Hồ sơ bị từ chối",
    "status": 422,
    "code": "ROW_BHXH_FORMAT",
    "detail": "Mã số BHXH phải gồm 10 chữ số.",
    "errors": [
        {
            "code": "ROW_BHXH_FORMAT",
            "message": "Mã số BHXH phải gồm 10 chữ số.",
            "location": "D02-LT, row 3, MasoBHXH",
        }
    ],
}
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="A key you choose per dossier (≤ 200 characters). A repeat with the same "
    "key and body answers the first receipt; the same key with another body is refused (422).",
)
TRANSACTION_CODE = OpenApiParameter(
    "transaction_code",
    {"type": "string", "pattern": "^[A-Za-z0-9-]{1,32}$"},
    OpenApiParameter.PATH,
    description="Transaction code (mã giao dịch) from the receipt",
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
        summary="Submit a signed dossier envelope",
        parameters=[IDEMPOTENCY_KEY],
        request=ENVELOPE_BODY,
        responses={
            201: SubmitAnswerSerializer,
            200: SubmitAnswerSerializer,
            **problems(400, 413, 422),
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
                "refused", value=REFUSAL_EXAMPLE, response_only=True, status_codes=["422"]
            ),
        ],
    )
    def create(self, request, *args, **kwargs):
        return self._submit(request)

    @extend_schema(
        operation_id="dossiers_supplement",
        tags=["dossiers"],
        summary="Submit a signed supplement to a dossier awaiting one",
        description="The unit's answer to a supplement request (yêu cầu bổ sung; the "
        "dossier's status is `supplement_requested`): a new signed envelope, the same body as "
        "`POST /dossiers`, for the same unit and procedure, through the same checks. It gets "
        "its own receipt and transaction code (status `supplement`, `supplement_of` naming "
        "the dossier) and is not decided by itself: the dossier moves to `supplemented` and "
        "its legal time limit runs again. Refusals besides the intake's: "
        "`SUPPLEMENT_NOT_AWAITED`, `SUPPLEMENT_OTHER_UNIT`, `SUPPLEMENT_OTHER_PROCEDURE`, "
        "`SUPPLEMENT_DUPLICATE` (422); a dossier of a unit you do not carry: 404.",
        parameters=[TRANSACTION_CODE, IDEMPOTENCY_KEY],
        request=ENVELOPE_BODY,
        responses={
            201: SubmitAnswerSerializer,
            200: SubmitAnswerSerializer,
            **problems(400, 404, 413, 422),
        },
        examples=[
            ENVELOPE_EXAMPLE,
            OpenApiExample(
                "receipt", value=SUPPLEMENT_EXAMPLE, response_only=True, status_codes=["201"]
            ),
            OpenApiExample(
                "refused",
                value=SUPPLEMENT_REFUSAL_EXAMPLE,
                response_only=True,
                status_codes=["422"],
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

        def work() -> Answer:
            result = intake_submit(
                data=data,
                channel="ivan",
                provider=client.provider,
                sandbox=client.sandbox,
                actor=None,
                supplement_of=supplement_of,
            )
            if not result.ok:
                forbidden = {e.code for e in result.errors} & FORBIDDEN_CODES
                code = 403 if forbidden else 422
                return Answer(code, refusal_body(result, code))
            answer = DossierSerializer(result.dossier, context={"receipt": result.receipt})
            body = {**answer.data, "duplicate": result.duplicate}
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
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, description="e.g. received, accepted"),
            OpenApiParameter("procedure", OpenApiTypes.STR, description="Procedure code, e.g. 600"),
            OpenApiParameter("unit_code", OpenApiTypes.STR, description="Unit code (mã đơn vị)"),
            OpenApiParameter("received_from", OpenApiTypes.DATE, description="YYYY-MM-DD"),
            OpenApiParameter("received_to", OpenApiTypes.DATE, description="YYYY-MM-DD"),
        ],
        responses={200: DossierSerializer(many=True), **problems(400, 404)},
        examples=[
            OpenApiExample(
                "page",
                value={"next": None, "previous": None, "results": [RECEIPT_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DossierSerializer(page, many=True).data)

    @extend_schema(
        operation_id="dossiers_retrieve",
        tags=["dossiers"],
        parameters=[TRANSACTION_CODE],
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
        parameters=[
            OpenApiParameter(
                "after",
                {"type": "integer", "minimum": 0, "maximum": 2**62},
                description="Return notices with an id greater than this (the `after` of "
                "your previous page); 0 or absent: from the start.",
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
                description="Notices per page (1–500)",
            ),
            OpenApiParameter("kind", OpenApiTypes.STR, description="e.g. receipt"),
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
