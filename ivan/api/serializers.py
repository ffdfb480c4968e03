"""Serializers of the I-VAN API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.refusals import Problem
from declarations.employers.models import Employer
from declarations.employers.registration_form import MAX_BYTES as SIGNED_FORM_MAX_BYTES
from ivan.models import WebhookEndpoint

# base64 of the largest signed 04/ĐK-IVAN read (with room for line breaks)
SIGNED_FORM_MAX_CHARS = (SIGNED_FORM_MAX_BYTES + 2) // 3 * 4 + 4096


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


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ReceiptSerializer(serializers.Serializer):
    number = serializers.CharField()
    issued_at = serializers.DateTimeField()
    warnings = serializers.SerializerMethodField(
        help_text="Warnings on the receipt (e.g. SIG_TIME_CLAIM_FAR); never a refusal."
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

    transaction_code = serializers.CharField()
    unit_code = serializers.CharField(source="employer.unit_code")
    procedure = serializers.CharField(source="procedure_code")
    period = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    signed_at = serializers.DateTimeField(
        allow_null=True,
        help_text="The trusted time the signature was judged at: the receipt time, or an "
        "RFC 3161 timestamp's (see time_source). Never the signer's own SigningTime.",
    )
    time_source = serializers.CharField(help_text="receipt | tsa (empty for trial dossiers)")
    claimed_signing_time = serializers.DateTimeField(
        allow_null=True, help_text="The SigningTime the signer claims: a claim, not verified."
    )
    sandbox = serializers.BooleanField()
    workers = serializers.IntegerField(source="worker_count")
    result_held = serializers.BooleanField()
    supplement_of = serializers.SerializerMethodField(
        help_text="For a supplement (status `supplement`): the transaction code of the "
        "dossier it answers; null for every other dossier."
    )
    receipt = serializers.SerializerMethodField()

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
    duplicate = serializers.BooleanField()


class DossierUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The signed envelope (Hoso) as an XML file.")


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.CharField()
    form_number = serializers.CharField()
    issued_at = serializers.DateTimeField()
    transaction_code = serializers.CharField(source="dossier.transaction_code")
    unit_code = serializers.CharField(source="dossier.employer.unit_code")
    data = serializers.JSONField()


class NoticePageSerializer(serializers.Serializer):
    results = NoticeSerializer(many=True)
    after = serializers.IntegerField(help_text="Pass as ?after= on the next pull.")
    has_more = serializers.BooleanField()


class RegistrationRequestSerializer(serializers.Serializer):
    """04/ĐK-IVAN filed by the provider for an employer."""

    unit_code = serializers.RegexField(r"^[A-Za-z0-9]{1,12}$")
    unit_name = serializers.CharField(max_length=255)
    address = serializers.CharField(max_length=300)
    tax_code = serializers.RegexField(r"^\d{10}(-\d{3})?$")
    email = serializers.EmailField(max_length=254)
    phone = serializers.RegexField(r"^[0-9+ ()-]{6,20}$")
    procedures = serializers.CharField(max_length=200)
    result_delivery = serializers.ChoiceField(["office", "post"], default="office")
    postal_address = serializers.CharField(max_length=300, required=False, default="")
    certificate = serializers.CharField(
        help_text="The employer's signing certificate, PEM or base64 DER."
    )
    signed_form = serializers.CharField(
        max_length=SIGNED_FORM_MAX_CHARS,
        help_text="Proof of possession: the 04/ĐK-IVAN XML (root ToKhai04DKIVAN) naming this "
        "unit, MST and certificate serial, signed at ToKhai04DKIVAN/Cky with the certificate "
        "being registered, made within the last 30 days; base64.",
    )


class RegistrationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit_code = serializers.CharField(source="employer.unit_code")
    status = serializers.CharField()
    cert_serial = serializers.CharField()
    submitted_at = serializers.DateTimeField()


class EmployerChangeSerializer(serializers.Serializer):
    """05/SD-IVAN: only the fields sent change."""

    contact_email = serializers.EmailField(max_length=254, required=False)
    contact_phone = serializers.RegexField(r"^[0-9+ ()-]{6,20}$", required=False)
    address = serializers.CharField(max_length=300, required=False)
    result_delivery = serializers.ChoiceField(["office", "post"], required=False)
    postal_address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    certificate = serializers.CharField(
        required=False, help_text="A renewed or replacement certificate, PEM or base64 DER."
    )
    signed_form = serializers.CharField(
        required=False,
        max_length=SIGNED_FORM_MAX_CHARS,
        help_text="Required with `certificate`: the 04/ĐK-IVAN for the new certificate, "
        "signed with it (proof of possession); base64.",
    )

    def validate(self, attrs):
        if "signed_form" in attrs and "certificate" not in attrs:
            raise serializers.ValidationError(
                {"signed_form": "only with a new certificate"}, code="certificate_required"
            )
        return attrs


class EmployerStopSerializer(serializers.Serializer):
    """06/NG-IVAN."""

    reason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
