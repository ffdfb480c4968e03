"""Admin of the licensed CAs (central IT): certificates, CRL URLs, OCSP, activation; the
CRLs held are shown, never edited. Every change is audited and reaches the trust store of
every process at once (:func:`declarations.employers.pki.trust.trust_changed`)."""

from cryptography.x509.oid import ExtensionOID
from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts import audit
from core.admin import ReadOnlyAdmin
from declarations.employers.authorities import authority_refresh
from declarations.employers.models import (
    CaRevocationList,
    CertificateAuthority,
    Employer,
    EmployerDataChange,
    EmployerMember,
    RegisteredCertificate,
    Registration,
)
from declarations.employers.models.trust import _PEM_BLOCK
from declarations.employers.pki.trust import trust_changed


class CertificateAuthorityForm(forms.ModelForm):
    class Meta:
        model = CertificateAuthority
        fields = [
            "code",
            "name",
            "certificates_pem",
            "crl_urls",
            "ocsp_enabled",
            "active",
            "placeholder",
            "notes",
        ]

    def clean_certificates_pem(self):
        text = self.cleaned_data["certificates_pem"].strip()
        blocks = _PEM_BLOCK.findall(text.encode())
        probe = CertificateAuthority(certificates_pem=text)
        certificates = probe.certificates()
        if len(certificates) != len(blocks) or (text and not blocks):
            raise forms.ValidationError(
                _("Chứng thư không đọc được (PEM). / A certificate cannot be read (PEM).")
            )
        for cert in certificates:
            try:
                is_ca = cert.extensions.get_extension_for_oid(
                    ExtensionOID.BASIC_CONSTRAINTS
                ).value.ca
            except Exception:  # noqa: BLE001  (no basicConstraints: not a CA)
                is_ca = False
            if not is_ca:
                raise forms.ValidationError(
                    _(
                        "Chứng thư %(subject)s không phải chứng thư của tổ chức chứng thực. / "
                        "%(subject)s is not a CA certificate."
                    ),
                    params={"subject": cert.subject.rfc4514_string()},
                )
        return text

    def clean_crl_urls(self):
        text = self.cleaned_data["crl_urls"]
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        bad = [line for line in lines if not line.lower().startswith(("http://", "https://"))]
        if bad:
            raise forms.ValidationError(
                _("Địa chỉ CRL phải là http(s). / CRL URLs must be http(s): %(urls)s"),
                params={"urls": ", ".join(bad)},
            )
        return "\n".join(lines)

    def clean(self):
        data = super().clean()
        if data.get("active") and not data.get("certificates_pem"):
            raise forms.ValidationError(
                _(
                    "Cần chứng thư của tổ chức chứng thực trước khi kích hoạt. / "
                    "A CA needs its certificate before it is activated."
                )
            )
        return data


class CaRevocationListInline(admin.TabularInline):
    model = CaRevocationList
    extra = 0
    can_delete = False
    fields = ["issuer", "this_update", "next_update", "entries", "source_url", "fetched_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _facts(obj) -> dict:
    return {
        "code": obj.code,
        "active": obj.active,
        "ocsp_enabled": obj.ocsp_enabled,
        "crl_urls": obj.crl_url_list(),
        "certificates": [c.subject.rfc4514_string() for c in obj.certificates()],
    }


@admin.register(CertificateAuthority)
class CertificateAuthorityAdmin(admin.ModelAdmin):
    form = CertificateAuthorityForm
    list_display = [
        "name",
        "code",
        "active",
        "ocsp_enabled",
        "placeholder",
        "crl_next_update",
        "last_attempt_at",
        "has_error",
    ]
    list_filter = ["active", "placeholder", "ocsp_enabled"]
    search_fields = ["name", "code"]
    readonly_fields = ["activated_at", "last_attempt_at", "last_error", "updated_at"]
    inlines = [CaRevocationListInline]
    actions = ["refresh_now"]

    @admin.display(description=_("CRL next update"))
    def crl_next_update(self, obj):
        dates = [row.next_update for row in obj.crls.all()]
        return min(dates) if dates else None

    @admin.display(description=_("refresh error"), boolean=True)
    def has_error(self, obj):
        return bool(obj.last_error)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("crls")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            request.user, "trust.ca_changed" if change else "trust.ca_added", obj, None, _facts(obj)
        )
        trust_changed()

    def delete_model(self, request, obj):
        audit.record(request.user, "trust.ca_deleted", obj, None, _facts(obj))
        super().delete_model(request, obj)
        trust_changed()

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record(request.user, "trust.ca_deleted", obj, None, _facts(obj))
        super().delete_queryset(request, queryset)
        trust_changed()

    @admin.action(
        description=_("Tải lại CRL ngay / Refresh CRLs now"),
        permissions=["change"],
    )
    def refresh_now(self, request, queryset):
        for authority in queryset.filter(active=True):
            outcome = authority_refresh(authority_id=authority.pk)
            level = messages.SUCCESS if outcome.ok else messages.WARNING
            text = f"{outcome.code}: {outcome.stored} new, {outcome.unchanged} unchanged"
            if outcome.errors:
                text += " — " + "; ".join(outcome.errors)
            self.message_user(request, text, level)


class EmployerMemberInline(admin.TabularInline):
    model = EmployerMember
    extra = 0
    autocomplete_fields = ["user"]


class EmployerDataChangeInline(admin.TabularInline):
    """The unit's data as procedure 604 changed it: what, from what, to what, from when."""

    model = EmployerDataChange
    extra = 0
    can_delete = False
    fields = ["effective_on", "field", "old_value", "new_value", "transaction_code", "recorded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["unit_code", "name", "tax_code", "managing_office", "wage_zone", "e_status"]
    search_fields = ["unit_code", "name", "tax_code"]
    list_filter = ["wage_zone", "e_status"]
    autocomplete_fields = ["managing_office"]
    inlines = [EmployerMemberInline, EmployerDataChangeInline]


@admin.register(EmployerDataChange)
class EmployerDataChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "employer",
        "field",
        "old_value",
        "new_value",
        "effective_on",
        "transaction_code",
    ]
    list_filter = ["field"]
    search_fields = ["employer__unit_code", "transaction_code"]


@admin.register(RegisteredCertificate)
class RegisteredCertificateAdmin(ReadOnlyAdmin):
    list_display = ["employer", "serial", "not_after", "registered_at", "replaced_at"]
    exclude = ["der"]


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ["employer", "status", "submitted_at", "decided_at"]
    exclude = ["cert_der"]
