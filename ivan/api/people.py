"""What a provider's units filed, read back: their current workforce and health cards.

Only the units whose channel is the calling provider (another provider's unit, or an
unknown code, answers 404 as ``GET /employers/{unit_code}`` does: a provider learns nothing
about units it does not carry). People are built only from accepted live dossiers, so a
sandbox client reads an empty workforce and no cards.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema

from accounts.scope import scoped_to_provider
from declarations.employers.models import Employer
from declarations.people.models import CardStatus, EmploymentSpell, HealthCard
from declarations.people.selectors import unit_cards, workforce
from ivan.api.base import ProviderApiView
from ivan.api.errors import ApiProblem
from ivan.api.pagination import ProviderCursor
from ivan.api.serializers import CardSerializer, WorkerSerializer, problems
from ivan.api.texts import bilingual, title

UNIT_CODE_PATH = OpenApiParameter(
    "unit_code",
    {"type": "string", "pattern": "^[A-Za-z0-9]{1,12}$"},
    OpenApiParameter.PATH,
    description=bilingual(
        "Mã đơn vị của một đơn vị mà nhà cung cấp đang phục vụ, ví dụ TZH490L.",
        "Unit code (mã đơn vị) of a unit the provider carries, e.g. TZH490L.",
    ),
)
PAGE_SIZE = OpenApiParameter(
    "page_size",
    {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
    description=bilingual("Số dòng mỗi trang (1–200).", "Rows per page (1–200)."),
)
CURSOR = OpenApiParameter(
    "cursor",
    str,
    description=bilingual(
        "Con trỏ trang, lấy từ liên kết `next`/`previous` của trang trước.",
        "Page cursor, taken from the previous page's `next`/`previous` link.",
    ),
)

WORKER_EXAMPLE = {
    "number": "0123456789",
    "full_name": "Nguyễn Văn An",
    "spell": {
        "status": "contributing",
        "from_month": "2026-01",
        "job": "Kế toán viên",
        "workplace": "Hà Nội",
        "salary": 5310000,
        "allowances": {"PhuCapCV": 500000},
        "rate": "32.00",
        "plan": "TM",
    },
    "card": {"number": "DN4010123456789", "valid_to": None},
}
CARD_EXAMPLE = {
    "number": "DN4010123456789",
    "person_number": "0123456789",
    "full_name": "Nguyễn Văn An",
    "status": "to_return",
    "valid_from": "2026-01-01",
    "valid_to": None,
    "covered_to": "2026-06-30",
    "hospital": "01-001",
    "issued_at": "2026-01-20T09:30:00+07:00",
    "return_asked_by": "20260705-4C81D0E5A3",
    "returned_at": None,
}


class WorkerCursor(ProviderCursor):
    ordering = "person_id"  # the selector's order, along the index of a unit's open spells


class CardCursor(ProviderCursor):
    ordering = "-id"


class UnitReadView(ProviderApiView):
    """Base of the reads about one carried unit."""

    required_scopes = {"get": ["people:read"]}
    pagination_class: type[ProviderCursor]

    def unit(self, unit_code: str) -> Employer:
        unit = (
            scoped_to_provider(self.client.provider_id, Employer.objects.all())
            .filter(unit_code=unit_code)
            .first()
        )
        if unit is None:
            raise ApiProblem("IVAN_NOT_FOUND", 404)
        return unit

    def page(self, request, queryset, serializer_class):
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(serializer_class(rows, many=True).data)


class WorkforceView(UnitReadView):
    """The unit's current workforce (lao động đang tham gia)."""

    pagination_class = WorkerCursor

    @extend_schema(
        operation_id="unit_workforce",
        tags=["people"],
        summary=title("Lao động đang tham gia của đơn vị", "The unit's current workforce"),
        description=bilingual(
            "Người lao động đang có quá trình tham gia mở tại đơn vị (kể cả tạm dừng: thai "
            "sản, ốm dài ngày, nghỉ không lương): mã số BHXH, họ tên theo lần kê khai gần "
            "nhất, quá trình hiện tại và thẻ BHYT còn hiệu lực. Chỉ đơn vị mà nhà cung cấp "
            "đang phục vụ; đơn vị khác hoặc mã không tồn tại trả 404 `IVAN_NOT_FOUND`. Dữ "
            "liệu chỉ được dựng từ hồ sơ đã được chấp nhận, nên client sandbox nhận danh "
            "sách rỗng. Phân trang bằng con trỏ.",
            "Workers with an open spell at the unit (paused ones included: maternity, long "
            "sickness, unpaid leave): social-insurance number, the name last declared, the "
            "current spell and the valid health card. Only units the provider carries; "
            "another unit or an unknown code answers 404 `IVAN_NOT_FOUND`. Built only from "
            "accepted dossiers, so a sandbox client gets an empty list. Cursor pagination.",
        ),
        parameters=[UNIT_CODE_PATH, CURSOR, PAGE_SIZE],
        responses={200: WorkerSerializer(many=True), **problems(404)},
        examples=[
            OpenApiExample(
                "page",
                response_only=True,
                value=WORKER_EXAMPLE,
            )
        ],
    )
    def get(self, request, unit_code: str):
        unit = self.unit(unit_code)
        queryset = workforce(employer=unit)
        if self.client.sandbox:
            queryset = EmploymentSpell.objects.none()
        return self.page(request, queryset, WorkerSerializer)


class CardsView(UnitReadView):
    """Health cards issued through the unit, with their state (incl. those to return)."""

    pagination_class = CardCursor

    @extend_schema(
        operation_id="unit_cards",
        tags=["people"],
        summary=title("Thẻ BHYT của đơn vị", "The unit's health-insurance cards"),
        description=bilingual(
            "Thẻ BHYT cấp cho người lao động qua đơn vị, mới nhất trước, với trạng thái và "
            "hạn sử dụng; `status=to_return` cho các thẻ đơn vị phải nộp lại sau khi báo "
            "giảm (chỉ thẻ còn hạn sử dụng) và hồ sơ đã yêu cầu nộp lại. Chỉ đơn vị mà nhà "
            "cung cấp đang phục vụ (404 `IVAN_NOT_FOUND` cho đơn vị khác); client sandbox "
            "nhận danh sách rỗng. Phân trang bằng con trỏ.",
            "Health-insurance cards issued to the unit's workers, newest first, with their "
            "state and validity; `status=to_return` lists the cards the unit must hand back "
            "after a decrease (only still-valid cards) and the dossier that asked for them. "
            "Only units the provider carries (404 `IVAN_NOT_FOUND` otherwise); a sandbox "
            "client gets an empty list. Cursor pagination.",
        ),
        parameters=[
            UNIT_CODE_PATH,
            OpenApiParameter(
                "status",
                {"type": "string", "enum": list(CardStatus.values)},
                description=bilingual(
                    "Chỉ thẻ ở trạng thái này (ví dụ `to_return`: phải nộp lại).",
                    "Only cards in this state (e.g. `to_return`: to be handed back).",
                ),
            ),
            CURSOR,
            PAGE_SIZE,
        ],
        responses={200: CardSerializer(many=True), **problems(400, 404)},
        examples=[
            OpenApiExample(
                "page",
                response_only=True,
                value=CARD_EXAMPLE,
            )
        ],
    )
    def get(self, request, unit_code: str):
        unit = self.unit(unit_code)
        status = request.query_params.get("status", "")
        if status and status not in CardStatus.values:
            raise ApiProblem(
                "IVAN_VALIDATION",
                400,
                errors=[
                    {
                        "code": "invalid_choice",
                        "message": ", ".join(CardStatus.values),
                        "location": "query.status",
                    }
                ],
            )
        queryset = unit_cards(employer=unit, status=status or None)
        if self.client.sandbox:
            queryset = HealthCard.objects.none()
        return self.page(request, queryset, CardSerializer)
