"""Serializers of the I-VAN API."""

from rest_framework import serializers

from declarations.models import Employer

from ..models import WebhookEndpoint


class EmployerSerializer(serializers.ModelSerializer):
    managing_office = serializers.CharField(source="managing_office.code")

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


class MeSerializer(serializers.Serializer):
    provider_code = serializers.CharField()
    provider_name = serializers.CharField()
    client_id = serializers.CharField()
    sandbox = serializers.BooleanField()
    scopes = serializers.ListField(child=serializers.CharField())
    contract_number = serializers.CharField()
    contract_valid_to = serializers.DateField(allow_null=True)


class WebhookRequestSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)

    def validate_url(self, value):
        if not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise serializers.ValidationError("HTTPS required", code="https_required")
        return value


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["url", "secret", "created_at"]


class RefusalCount(serializers.Serializer):
    code = serializers.CharField()
    count = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    calls = serializers.IntegerField()
    refusals = serializers.IntegerField()
    refusals_by_code = RefusalCount(many=True)
    latency_ms_p50 = serializers.IntegerField(allow_null=True)
    latency_ms_p95 = serializers.IntegerField(allow_null=True)


class ProblemErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    location = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem document with the portal's stable error code."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = ProblemErrorSerializer(many=True, required=False)


def problems(*statuses: int) -> dict:
    """OpenAPI responses for refusals: every call may answer 401, 403 and 429."""
    return {(s, "application/problem+json"): ProblemSerializer for s in (401, 403, 429, *statuses)}
