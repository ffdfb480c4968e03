"""I-VAN API views (/api/ivan/v1/). Each action names its scopes; everything a provider
lists is narrowed by accounts.scope to the employers whose channel is that provider."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.scope import scoped_to_provider
from declarations.models import Employer

from .. import services
from ..models import Contract
from ..selectors import provider_stats
from .base import ProviderApiView, ProviderViewSet
from .errors import ApiProblem
from .serializers import (
    EmployerSerializer,
    MeSerializer,
    StatsSerializer,
    WebhookRequestSerializer,
    WebhookSerializer,
    problems,
)


class IdCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


class MeView(ProviderApiView):
    """The calling client: its provider, contract, scopes and whether it is a sandbox."""

    required_scopes = {"get": []}

    @extend_schema(
        operation_id="me",
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


class EmployerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProviderViewSet):
    """Employers whose current e-transaction channel is the calling provider."""

    serializer_class = EmployerSerializer
    pagination_class = IdCursorPagination
    queryset = Employer.objects.none()  # narrowed per provider in get_queryset
    lookup_field = "unit_code"
    lookup_value_regex = "[A-Za-z0-9]{1,12}"
    required_scopes = {"list": ["employers:read"], "retrieve": ["employers:read"]}

    def get_queryset(self):
        return scoped_to_provider(
            self.client.provider_id, Employer.objects.select_related("managing_office")
        )

    @extend_schema(
        operation_id="employers_list",
        tags=["employers"],
        responses={200: EmployerSerializer(many=True), **problems(404)},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "unit_code",
                str,
                OpenApiParameter.PATH,
                description="Unit code (mã đơn vị), e.g. TZH490L",
            )
        ],
        operation_id="employers_retrieve",
        tags=["employers"],
        responses={200: EmployerSerializer, **problems(404)},
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class WebhookView(ProviderApiView):
    """Register the provider's webhook URL; the answer carries the signing secret once."""

    required_scopes = {"put": ["webhooks:manage"], "get": ["webhooks:manage"]}

    @extend_schema(
        operation_id="webhook_register",
        tags=["webhooks"],
        request=WebhookRequestSerializer,
        responses={201: WebhookSerializer, **problems(400)},
        examples=[
            OpenApiExample(
                "register", value={"url": "https://ivan.example.vn/hooks/bhxh"}, request_only=True
            )
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
        responses={200: StatsSerializer, **problems(400)},
        parameters=[
            OpenApiParameter(
                "days",
                {"type": "integer", "minimum": 1, "maximum": 365, "default": 30},
                description="Window in days (1–365)",
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


def not_found(request, *args, **kwargs):
    """Unknown paths under the API answer a problem document, never an HTML page."""
    from .errors import problem_response

    response = problem_response(code="IVAN_NOT_FOUND", status_code=404)
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/problem+json"
    response.renderer_context = {}
    return response.render()
