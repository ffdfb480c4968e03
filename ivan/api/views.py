"""I-VAN API views (/api/ivan/v1/). Each action names its scopes; everything a provider
lists is narrowed by accounts.scope to the employers whose channel is that provider."""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.scope import scoped_to_provider
from core.refusals import Refused
from declarations.employers.models import Employer
from declarations.employers.registration_form import FORM as FORM_04
from ivan import services
from ivan.api.base import ProviderApiView, ProviderViewSet
from ivan.api.errors import ApiProblem, problem_response
from ivan.api.pagination import ProviderCursor
from ivan.api.serializers import (
    EmployerChangeSerializer,
    EmployerSerializer,
    EmployerStopSerializer,
    MeSerializer,
    RegistrationRequestSerializer,
    RegistrationSerializer,
    StatsSerializer,
    WebhookRequestSerializer,
    WebhookSerializer,
    problems,
    refusal_example,
)
from ivan.api.texts import UNIT_CODE, bilingual, title
from ivan.models import Contract
from ivan.selectors import provider_stats


class IdCursorPagination(ProviderCursor):
    ordering = "-id"


class MeView(ProviderApiView):
    """The calling client: its provider, contract, scopes and whether it is a sandbox."""

    required_scopes = {"get": []}

    @extend_schema(
        operation_id="me",
        summary=title("Client đang gọi", "The calling client"),
        description=bilingual(
            "Nhà cung cấp, hợp đồng đang có hiệu lực, các quyền (scope) của mã truy cập và "
            "client là sandbox hay live. Dùng để kiểm tra cấu hình sau khi nhận client.",
            "The provider, the contract in force, the token's scopes and whether the client "
            "is a sandbox or live one. Use it to check the set-up after receiving a client.",
        ),
        responses={200: MeSerializer, **problems()},
        tags=["provider"],
        examples=[
            OpenApiExample(
                "VNPT",
                value={
                    "provider_code": "VNPT",
                    "provider_name": "VNPT-Vinaphone",
                    "client_id": "abc123",
                    "sandbox": False,
                    "scopes": ["dossiers:submit", "dossiers:read"],
                    "contract_number": "12/2015/HĐ-BHXH",
                    "contract_valid_to": "2027-12-31",
                },
            )
        ],
    )
    def get(self, request):
        client = self.client
        contract = Contract.objects.in_force().filter(provider=client.provider).first()
        data = {
            "provider_code": client.provider.code,
            "provider_name": client.provider.name,
            "client_id": client.application.client_id,
            "sandbox": client.sandbox,
            "scopes": sorted(request.auth.scope.split()),
            "contract_number": contract.number,
            "contract_valid_to": contract.valid_to,
        }
        return Response(MeSerializer(data).data)


UNIT_CODE_PATH = OpenApiParameter(
    "unit_code",
    {"type": "string", "pattern": "^[A-Za-z0-9]{1,12}$"},
    OpenApiParameter.PATH,
    description=UNIT_CODE,
)

EMPLOYER_EXAMPLE = {
    "unit_code": "TZH490L",
    "name": "Công ty TNHH Thử nghiệm",
    "tax_code": "0101300842",
    "address": "12 Lê Lợi, Quận 1, TP Hồ Chí Minh",
    "managing_office": "79-Q1",
    "wage_zone": "I",
    "e_status": "active",
    "e_registered_on": "2026-01-05",
}


POP_EXAMPLE = OpenApiExample(
    "POP_WRONG_KEY",
    value={
        "type": "https://baohiemxahoi.gov.vn/problems/pop-wrong-key",
        "title": "POP_WRONG_KEY",  # a message with parameters is summed up by its code
        "status": 422,
        "code": "POP_WRONG_KEY",
        "detail": "Tờ khai 04/ĐK-IVAN được ký bằng chứng thư số khác (số sê-ri 5F1C0A2B), không "
        "phải chứng thư số đang đăng ký.",
        "errors": [
            {
                "code": "POP_WRONG_KEY",
                "message": "Tờ khai 04/ĐK-IVAN được ký bằng chứng thư số khác (số sê-ri "
                "5F1C0A2B), không phải chứng thư số đang đăng ký.",
                "location": "signed_form",
            }
        ],
    },
)
POP_EXAMPLES = [
    POP_EXAMPLE,
    refusal_example(
        "POP_MISSING",
        422,
        "Thiếu tờ khai 04/ĐK-IVAN ký bằng chứng thư số đang đăng ký.",
        "signed_form",
    ),
    refusal_example(
        "POP_MISMATCH",
        422,
        "Tờ khai 04/ĐK-IVAN đã ký ghi MST là 0101300843, khác với nội dung đăng ký (0101300842).",
        "signed_form",
        title="POP_MISMATCH",
    ),
    refusal_example(
        "POP_STALE",
        422,
        "Tờ khai 04/ĐK-IVAN lập ngày 01/09/2026: phải lập trong vòng 30 ngày gần đây và không "
        "sau hôm nay.",
        "signed_form",
        title="POP_STALE",
    ),
]
NOT_CARRIED_EXAMPLE = OpenApiExample(
    "IVAN_EMPLOYER_NOT_CARRIED",
    value={
        "type": "https://baohiemxahoi.gov.vn/problems/ivan-employer-not-carried",
        "title": "Đơn vị không giao dịch qua nhà cung cấp này.",
        "status": 403,
        "code": "IVAN_EMPLOYER_NOT_CARRIED",
        "detail": "Đơn vị không giao dịch qua nhà cung cấp này.",
    },
)


class EmployerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProviderViewSet):
    """Employers whose current e-transaction channel is the calling provider."""

    serializer_class = EmployerSerializer
    pagination_class = IdCursorPagination
    queryset = Employer.objects.none()  # narrowed per provider in get_queryset
    lookup_field = "unit_code"
    lookup_value_regex = "[A-Za-z0-9]{1,12}"
    required_scopes = {
        "list": ["employers:read"],
        "retrieve": ["employers:read"],
        "register": ["employers:register"],
        "change": ["employers:register"],
        "stop": ["employers:register"],
    }

    def get_queryset(self):
        return scoped_to_provider(
            self.client.provider_id, Employer.objects.select_related("managing_office")
        )

    @extend_schema(
        operation_id="employers_list",
        tags=["employers"],
        summary=title("Các đơn vị nhà cung cấp phục vụ", "Employers the provider carries"),
        description=bilingual(
            "Các đơn vị có kênh giao dịch điện tử hiện tại là nhà cung cấp đang gọi, phân trang "
            "bằng con trỏ (`cursor`, `page_size` 1–200).",
            "Employers whose current e-transaction channel is the calling provider, with "
            "cursor pagination (`cursor`, `page_size` 1–200).",
        ),
        responses={200: EmployerSerializer(many=True), **problems(404)},
        examples=[OpenApiExample("page", response_only=True, value=EMPLOYER_EXAMPLE)],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[UNIT_CODE_PATH],
        operation_id="employers_retrieve",
        tags=["employers"],
        summary=title("Một đơn vị nhà cung cấp phục vụ", "One employer the provider carries"),
        description=bilingual(
            "Thông tin đơn vị; 404 `IVAN_NOT_FOUND` khi đơn vị không do nhà cung cấp phục vụ.",
            "The employer's record; 404 `IVAN_NOT_FOUND` when the provider does not carry it.",
        ),
        responses={200: EmployerSerializer, **problems(404)},
        examples=[OpenApiExample("employer", response_only=True, value=EMPLOYER_EXAMPLE)],
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    # --- 04/ĐK-IVAN, 05/SD-IVAN, 06/NG-IVAN -------------------------------------------------
    @extend_schema(
        operation_id="employers_register",
        tags=["employers"],
        summary=title("Nộp tờ khai 04/ĐK-IVAN cho một đơn vị", "File 04/ĐK-IVAN for an employer"),
        description=bilingual(
            "Cơ quan BHXH xét duyệt đăng ký; khi được duyệt, kênh giao dịch của đơn vị là nhà "
            "cung cấp đang gọi. Bị từ chối (403 `IVAN_EMPLOYER_NOT_CARRIED`) khi nhà cung cấp "
            "khác đang phục vụ đơn vị: đơn vị phải ngừng ở đó trước (06/NG-IVAN). `signed_form` "
            "chứng minh đơn vị nắm giữ khóa của chứng thư: tờ khai 04/ĐK-IVAN ký bằng chứng thư "
            "đó (422 `POP_MISSING`, `POP_WRONG_KEY` khi ký bằng khóa khác, `POP_MISMATCH` khi "
            "ghi đơn vị, MST hoặc chứng thư khác, `POP_STALE`, hoặc các mã `SIG_*` của chữ ký).",
            "The office approves the registration; on approval the employer's channel becomes "
            "the calling provider. Refused (403 `IVAN_EMPLOYER_NOT_CARRIED`) when another "
            "provider carries the employer: it must stop there first (06/NG-IVAN). "
            "`signed_form` proves the employer holds the certificate's key: the 04/ĐK-IVAN "
            "signed with that certificate (422 `POP_MISSING`, `POP_WRONG_KEY` when signed by "
            "another key, `POP_MISMATCH` when it names another unit, MST or certificate, "
            "`POP_STALE`, or the signature's `SIG_*`).",
        ),
        request=RegistrationRequestSerializer,
        responses={
            202: RegistrationSerializer,
            **problems(400, 404, 422, examples={422: POP_EXAMPLES, 403: [NOT_CARRIED_EXAMPLE]}),
        },
        examples=[
            OpenApiExample(
                "04/ĐK-IVAN",
                request_only=True,
                value={
                    "unit_code": "TZH490L",
                    "unit_name": "Công ty TNHH Thử nghiệm",
                    "address": "12 Lê Lợi, Quận 1, TP Hồ Chí Minh",
                    "tax_code": "0101300842",
                    "email": "ketoan@tzh490l.example.vn",
                    "phone": "0283 822 1234",
                    "procedures": "600, 600a",
                    "result_delivery": "office",
                    "postal_address": "",
                    "certificate": "-----BEGIN CERTIFICATE-----\nMIIC…\n-----END CERTIFICATE-----",
                    "signed_form": "PD94bWwgdmVyc2lvbj0nMS4wJyBlbmNvZGluZz0ndXRmLTgnPz4KPFRvS2hhaTA0REtJVkFOPi…",
                },
            ),
            OpenApiExample(
                "filed",
                response_only=True,
                status_codes=["202"],
                value={
                    "id": 318,
                    "unit_code": "TZH490L",
                    "status": "pending",
                    "cert_serial": "5F1C0A2B",
                    "submitted_at": "2026-11-22T08:15:02+07:00",
                },
            ),
        ],
    )
    @action(detail=False, methods=["post"], url_path="registrations")
    def register(self, request):
        payload = RegistrationRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        cert_data = _certificate_bytes(data.pop("certificate"))
        signed_form = _signed_form_bytes(data.pop("signed_form"))
        employer = Employer.objects.filter(unit_code=data.pop("unit_code")).first()
        if employer is None:
            raise ApiProblem("IVAN_NOT_FOUND", 404)
        if data["tax_code"].split("-")[0] != employer.tax_code.split("-")[0]:
            raise _service_problem(
                Refused("EMPLOYER_TAX_MISMATCH", value=data["tax_code"]), "tax_code"
            )
        try:
            registration = services.employer_register(
                provider=self.client.provider,
                employer=employer,
                data=data,
                cert_data=cert_data,
                signed_form=signed_form,
            )
        except services.EmployerNotCarried:
            raise ApiProblem("IVAN_EMPLOYER_NOT_CARRIED", 403) from None
        except Refused as refusal:
            raise _service_problem(refusal) from None
        return Response(RegistrationSerializer(registration).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="employers_change",
        tags=["employers"],
        summary=title(
            "Nộp tờ khai 05/SD-IVAN (thay đổi) cho đơn vị",
            "File 05/SD-IVAN (change) for a carried employer",
        ),
        description=bilingual(
            "Chỉ các trường được gửi mới thay đổi. Chứng thư mới (`certificate`) cần kèm "
            "`signed_form`: tờ khai 04/ĐK-IVAN cho chứng thư đó, ký bằng chính nó (cùng các "
            "kiểm tra và mã lỗi như khi đăng ký).",
            "Only the fields sent change. A new `certificate` needs `signed_form`: the "
            "04/ĐK-IVAN for it, signed with it (proof of possession, the same checks and "
            "codes as a registration).",
        ),
        request=EmployerChangeSerializer,
        responses={
            200: EmployerSerializer,
            **problems(400, 404, 422, examples={422: POP_EXAMPLES, 403: [NOT_CARRIED_EXAMPLE]}),
        },
        parameters=[UNIT_CODE_PATH],
        examples=[
            OpenApiExample(
                "05/SD-IVAN",
                request_only=True,
                value={
                    "contact_email": "nhansu@tzh490l.example.vn",
                    "result_delivery": "post",
                    "postal_address": "12 Lê Lợi, Quận 1, TP Hồ Chí Minh",
                },
            ),
            OpenApiExample("changed", response_only=True, value=EMPLOYER_EXAMPLE),
        ],
    )
    @action(detail=True, methods=["post"], url_path="changes")
    def change(self, request, unit_code=None):
        employer = self.get_object()
        payload = EmployerChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        cert = data.pop("certificate", None)
        signed_form = data.pop("signed_form", None)
        try:
            employer = services.employer_change(
                provider=self.client.provider,
                employer=employer,
                data=data,
                cert_data=_certificate_bytes(cert) if cert else None,
                signed_form=_signed_form_bytes(signed_form) if signed_form else None,
            )
        except services.EmployerNotCarried:
            raise ApiProblem("IVAN_EMPLOYER_NOT_CARRIED", 403) from None
        except Refused as refusal:
            raise _service_problem(refusal) from None
        return Response(EmployerSerializer(employer).data)

    @extend_schema(
        operation_id="employers_stop",
        tags=["employers"],
        summary=title(
            "Nộp tờ khai 06/NG-IVAN (ngừng) cho đơn vị",
            "File 06/NG-IVAN (stop) for a carried employer",
        ),
        description=bilingual(
            "Đơn vị ngừng giao dịch qua nhà cung cấp: kênh bị gỡ, trạng thái giao dịch điện tử "
            "thành `stopped`; đơn vị có thể đăng ký lại qua nhà cung cấp này hoặc khác.",
            "The employer stops transacting through the provider: its channel is removed and "
            "its e-status becomes `stopped`; it may register again, here or elsewhere.",
        ),
        request=EmployerStopSerializer,
        responses={
            200: EmployerSerializer,
            **problems(400, 404, examples={403: [NOT_CARRIED_EXAMPLE]}),
        },
        parameters=[UNIT_CODE_PATH],
        examples=[
            OpenApiExample(
                "06/NG-IVAN", request_only=True, value={"reason": "Đơn vị chuyển nhà cung cấp"}
            ),
            OpenApiExample(
                "stopped",
                response_only=True,
                value={**EMPLOYER_EXAMPLE, "e_status": "stopped"},
            ),
        ],
    )
    @action(detail=True, methods=["post"], url_path="stop")
    def stop(self, request, unit_code=None):
        employer = self.get_object()
        payload = EmployerStopSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            employer = services.employer_stop(
                provider=self.client.provider,
                employer=employer,
                reason=payload.validated_data["reason"],
            )
        except services.EmployerNotCarried:
            raise ApiProblem("IVAN_EMPLOYER_NOT_CARRIED", 403) from None
        return Response(EmployerSerializer(employer).data)


def _certificate_bytes(text: str) -> bytes:
    if "-----BEGIN" in text:
        return text.encode("ascii", "ignore")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiProblem(
            "IVAN_VALIDATION",
            400,
            errors=[{"code": "base64", "message": "PEM or base64 DER", "location": "certificate"}],
        ) from None


def _signed_form_bytes(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ApiProblem(
            "IVAN_VALIDATION",
            400,
            errors=[
                {
                    "code": "base64",
                    "message": "base64 of the signed 04/ĐK-IVAN",
                    "location": "signed_form",
                }
            ],
        ) from None


def _service_problem(refusal: Refused, location: str = "certificate") -> ApiProblem:
    """Refusals of the registration services carry the intake's error codes; those about
    the signed 04/ĐK-IVAN (proof of possession) are located at ``signed_form``."""

    errors = []
    for error in refusal.errors:
        item = error.as_dict(translation.get_language())
        where = "signed_form" if error.location.form == FORM_04 else location
        errors.append({"code": item["code"], "message": item["message"], "location": where})
    return ApiProblem(errors[0]["code"], 422, errors=errors, detail=errors[0]["message"])


class WebhookView(ProviderApiView):
    """Register the provider's webhook URL; the answer carries the signing secret once."""

    required_scopes = {"put": ["webhooks:manage"], "get": ["webhooks:manage"]}

    @extend_schema(
        operation_id="webhook_register",
        tags=["webhooks"],
        summary=title("Đăng ký địa chỉ nhận webhook", "Register the webhook URL"),
        description=bilingual(
            "Đăng ký (hoặc thay) địa chỉ HTTPS nhận sự kiện của nhà cung cấp. Câu trả lời chứa "
            "khóa ký `secret` một lần duy nhất; các sự kiện và cách kiểm tra chữ ký: xem mục "
            "`webhooks` của tài liệu này.",
            "Register (or replace) the provider's HTTPS URL for events. The answer carries the "
            "signing `secret` once; the events and how to verify their signature: see this "
            "document's `webhooks`.",
        ),
        request=WebhookRequestSerializer,
        responses={201: WebhookSerializer, **problems(400)},
        examples=[
            OpenApiExample(
                "register", value={"url": "https://ivan.example.vn/hooks/bhxh"}, request_only=True
            ),
            OpenApiExample(
                "registered",
                response_only=True,
                status_codes=["201"],
                value={
                    "url": "https://ivan.example.vn/hooks/bhxh",
                    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                    "created_at": "2026-11-22T08:15:02+07:00",
                },
            ),
        ],
    )
    def put(self, request):
        payload = WebhookRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with transaction.atomic():
            endpoint = services.webhook_register(
                actor=None, provider=self.client.provider, url=payload.validated_data["url"]
            )
        return Response(WebhookSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class StatsView(ProviderApiView):
    """The provider's own statistics over the last ``days`` days (volume, refusals by
    error code, latency)."""

    required_scopes = {"get": ["stats:read"]}

    @extend_schema(
        operation_id="stats",
        tags=["provider"],
        summary=title("Thống kê của nhà cung cấp", "The provider's statistics"),
        description=bilingual(
            "Số lần gọi, số lần bị từ chối theo mã lỗi và độ trễ trong `days` ngày gần nhất "
            "(mọi client của nhà cung cấp).",
            "Calls, refusals by error code and latency over the last `days` days (all the "
            "provider's clients).",
        ),
        responses={200: StatsSerializer, **problems(400)},
        examples=[
            OpenApiExample(
                "30 days",
                response_only=True,
                value={
                    "since": "2026-10-23T08:00:00+07:00",
                    "calls": 18240,
                    "refusals": 312,
                    "refusals_by_code": [
                        {"code": "ROW_BHXH_FORMAT", "count": 201},
                        {"code": "CERT_NOT_REGISTERED", "count": 111},
                    ],
                    "latency_ms_p50": 38,
                    "latency_ms_p95": 121,
                },
            )
        ],
        parameters=[
            OpenApiParameter(
                "days",
                {"type": "integer", "minimum": 1, "maximum": 365, "default": 30},
                description=bilingual("Số ngày (1–365).", "Window in days (1–365)."),
            )
        ],
    )
    def get(self, request):
        try:
            days = int(request.query_params.get("days", "30"))
        except ValueError:
            days = 0
        if not 1 <= days <= 365:
            raise ApiProblem(
                "IVAN_VALIDATION",
                400,
                errors=[{"code": "days_range", "message": "1–365", "location": "query.days"}],
            )
        since = timezone.now() - timedelta(days=days)
        return Response(
            StatsSerializer(provider_stats(provider=self.client.provider, since=since)).data
        )


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Unknown paths under the API answer a problem document, never an HTML page."""

    response = problem_response(code="IVAN_NOT_FOUND", status_code=404)
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/problem+json"
    response.renderer_context = {}
    return response.render()
