"""The webhooks the portal sends, as OpenAPI 3.1 ``webhooks`` (listed in
``SPECTACULAR_SETTINGS["WEBHOOKS"]``): one per event type of ``ivan.notifications``, its body
as ``ivan.webhooks.endpoint_event`` writes it and ``ivan.notifications.dossier_payload``
fills it."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiRequest,
    OpenApiResponse,
    OpenApiWebhook,
    extend_schema,
)
from rest_framework import serializers

from declarations.dossiers.models import DossierStatus, NoticeKind
from ivan.api.texts import PROCEDURE, TRANSACTION_CODE, UNIT_CODE, bilingual, title
from ivan.notifications import EVENTS

SIGNING = bilingual(
    "Mỗi lần gửi là một POST `application/json`, ký theo chuẩn Standard Webhooks: tiêu đề "
    "`webhook-id` (mã sự kiện, giữ nguyên qua các lần gửi lại: dùng để bỏ trùng), "
    "`webhook-timestamp` (giây Unix) và `webhook-signature` = `v1,` + base64(HMAC-SHA256(khóa, "
    '"{webhook-id}.{webhook-timestamp}.{body}")), với khóa là phần base64 sau `whsec_` của '
    "khóa nhận khi đăng ký (`PUT /webhook`), đã giải mã. Hãy kiểm tra chữ ký trên đúng các byte "
    "nhận được và từ chối dấu thời gian lệch quá 5 phút. Trả lời 2xx trong 10 giây là đã nhận; "
    "mã khác hoặc hết thời gian: gửi lại với thời gian chờ tăng dần (tối đa 10 lần); 410: ngừng "
    "gửi tới địa chỉ này.",
    "Each delivery is a POST of `application/json`, signed the Standard Webhooks way: headers "
    "`webhook-id` (the event id, the same on every retry: use it to drop duplicates), "
    "`webhook-timestamp` (Unix seconds) and `webhook-signature` = `v1,` + base64(HMAC-SHA256("
    'key, "{webhook-id}.{webhook-timestamp}.{body}")), the key being the base64 after `whsec_` '
    "in the secret returned at registration (`PUT /webhook`), decoded. Verify over the exact "
    "bytes received and refuse timestamps more than 5 minutes off. Answer 2xx within 10 seconds "
    "to acknowledge; any other answer or a timeout is retried with growing back-off (at most 10 "
    "attempts); 410 stops deliveries to this URL.",
)


class EventNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=bilingual("Mã số thông báo.", "Notice id."))
    number = serializers.CharField(help_text=bilingual("Số thông báo.", "Notice number."))
    kind = serializers.ChoiceField(
        choices=NoticeKind.choices, help_text=bilingual("Loại thông báo.", "Kind of notice.")
    )
    issued_at = serializers.DateTimeField(
        help_text=bilingual("Thời điểm phát hành.", "When it was issued.")
    )


class EventDetailsSerializer(serializers.Serializer):
    """What changed, for ``dossier.status_changed``."""

    to = serializers.ChoiceField(
        choices=DossierStatus.choices, help_text=bilingual("Trạng thái mới.", "The new status.")
    )

    def get_fields(self):
        fields = super().get_fields()
        # "from" is a Python keyword: the field is named here.
        fields["from"] = serializers.ChoiceField(
            choices=DossierStatus.choices,
            help_text=bilingual("Trạng thái trước.", "The previous status."),
        )
        return fields


class DossierEventDataSerializer(serializers.Serializer):
    transaction_code = serializers.CharField(help_text=TRANSACTION_CODE)
    unit_code = serializers.CharField(help_text=UNIT_CODE)
    procedure = serializers.CharField(help_text=PROCEDURE)
    period = serializers.CharField(
        help_text=bilingual("Kỳ kê khai (MM/yyyy).", "Declaration period (MM/yyyy).")
    )
    status = serializers.ChoiceField(
        choices=DossierStatus.choices,
        help_text=bilingual("Trạng thái hồ sơ lúc gửi.", "The dossier's status when sent."),
    )
    sandbox = serializers.BooleanField(
        help_text=bilingual("true: hồ sơ thử nghiệm.", "true: a sandbox dossier.")
    )
    received_at = serializers.DateTimeField(
        help_text=bilingual("Thời điểm tiếp nhận.", "When it was received.")
    )
    supplement_of = serializers.CharField(
        required=False,
        help_text=bilingual(
            "Chỉ với hồ sơ bổ sung: mã giao dịch của hồ sơ được bổ sung.",
            "Supplements only: the transaction code of the dossier answered.",
        ),
    )
    notice = EventNoticeSerializer(
        required=False,
        help_text=bilingual(
            "Thông báo liên quan (receipt.issued, notice.issued, result.released).",
            "The notice concerned (receipt.issued, notice.issued, result.released).",
        ),
    )
    details = EventDetailsSerializer(
        required=False,
        help_text=bilingual(
            "Với dossier.status_changed: trạng thái trước và sau.",
            "For dossier.status_changed: the status before and after.",
        ),
    )


def _event_serializer(event: str) -> type[serializers.Serializer]:
    name = "".join(part.capitalize() for part in event.replace(".", "_").split("_"))
    fields = {
        "id": serializers.CharField(
            help_text=bilingual(
                "Mã sự kiện (evt_…), bằng tiêu đề webhook-id.", "Event id (evt_…), = webhook-id."
            )
        ),
        "type": serializers.ChoiceField(
            choices=[(event, event)], help_text=bilingual("Loại sự kiện.", "Event type.")
        ),
        "created_at": serializers.DateTimeField(
            help_text=bilingual("Thời điểm sự kiện (UTC).", "When the event happened (UTC).")
        ),
        "data": DossierEventDataSerializer(
            help_text=bilingual("Hồ sơ mà sự kiện nói tới.", "The dossier the event is about.")
        ),
    }
    return type(f"{name}Event", (serializers.Serializer,), fields)


DATA_EXAMPLE = {
    "transaction_code": "20261122-9F3A1C07B2",
    "unit_code": "TZH490L",
    "procedure": "600",
    "period": "10/2026",
    "status": "received",
    "sandbox": False,
    "received_at": "2026-11-22T08:15:02+07:00",
}
NOTICE_EXAMPLE = {
    "id": 4711,
    "number": "TB-20261122-9F3A1C07B2",
    "kind": "receipt",
    "issued_at": "2026-11-22T08:15:02+07:00",
}
EVENT_TEXTS = {
    "receipt.issued": (
        ("Đã tiếp nhận hồ sơ", "Dossier received"),
        (
            "Gửi khi hồ sơ (hoặc hồ sơ bổ sung) được tiếp nhận và có thông báo tiếp nhận.",
            "Sent when a dossier (or a supplement) is received and its receipt issued.",
        ),
        {**DATA_EXAMPLE, "notice": NOTICE_EXAMPLE},
    ),
    "dossier.status_changed": (
        ("Hồ sơ đổi trạng thái", "Dossier status changed"),
        (
            "Gửi mỗi khi trạng thái hồ sơ thay đổi (xét duyệt, yêu cầu bổ sung, quyết định).",
            "Sent whenever the dossier's status changes (review, supplement request, decision).",
        ),
        {**DATA_EXAMPLE, "status": "accepted", "details": {"from": "in_review", "to": "accepted"}},
    ),
    "notice.issued": (
        ("Có thông báo kết quả", "Notice issued"),
        (
            "Gửi khi cơ quan BHXH phát hành thông báo (kết quả, yêu cầu bổ sung, …); lấy nội "
            "dung qua `GET /notices`.",
            "Sent when the office issues a notice (result, supplement request, …); pull its "
            "content with `GET /notices`.",
        ),
        {
            **DATA_EXAMPLE,
            "status": "accepted",
            "notice": {**NOTICE_EXAMPLE, "id": 4712, "kind": "accepted", "number": "KQ-4712"},
        },
    ),
    "result.released": (
        ("Kết quả được trả", "Held result released"),
        (
            "Gửi khi kết quả bị giữ (hồ sơ ký bằng tài khoản thử nghiệm) được trả sau khi đơn vị "
            "nộp bộ hồ sơ giấy.",
            "Sent when a held result (trial credential) is released once the paper set arrived.",
        ),
        {
            **DATA_EXAMPLE,
            "status": "accepted",
            "notice": {**NOTICE_EXAMPLE, "id": 4713, "kind": "paper_set", "number": "GS-4713"},
        },
    ),
}
assert set(EVENT_TEXTS) == EVENTS, "document every event ivan.notifications sends"


def _webhook(event: str) -> OpenApiWebhook:
    (summary_vi, summary_en), (text_vi, text_en), data = EVENT_TEXTS[event]
    example = {
        "id": "evt_5f0c8a9e2b7d4e0f9a1c3b5d7e9f1a2b",
        "type": event,
        "created_at": "2026-11-22T01:15:03+00:00",
        "data": data,
    }
    return OpenApiWebhook(
        name=event,
        decorator=extend_schema(
            summary=title(summary_vi, summary_en),
            description=bilingual(text_vi, text_en) + "\n\n" + SIGNING,
            request=OpenApiRequest(
                _event_serializer(event), examples=[OpenApiExample(event, value=example)]
            ),
            responses={
                200: OpenApiResponse(
                    description=bilingual("Đã nhận (mọi mã 2xx).", "Acknowledged (any 2xx status).")
                ),
                410: OpenApiResponse(
                    description=bilingual(
                        "Ngừng gửi tới địa chỉ này.", "Stop deliveries to this URL."
                    )
                ),
            },
        ),
    )


RECEIPT_ISSUED = _webhook("receipt.issued")
STATUS_CHANGED = _webhook("dossier.status_changed")
NOTICE_ISSUED = _webhook("notice.issued")
RESULT_RELEASED = _webhook("result.released")
