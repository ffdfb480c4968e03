from django.contrib import admin

from .models import (
    BaseSalary,
    ContributionRate,
    Dossier,
    Employer,
    EmployerMember,
    Incident,
    Notice,
    PaperCutoff,
    RegionalMinimumWage,
    RegisteredCertificate,
    Registration,
)


class EmployerMemberInline(admin.TabularInline):
    model = EmployerMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["unit_code", "name", "tax_code", "managing_office", "wage_zone", "e_status"]
    search_fields = ["unit_code", "name", "tax_code"]
    list_filter = ["wage_zone", "e_status"]
    autocomplete_fields = ["managing_office"]
    inlines = [EmployerMemberInline]


@admin.register(ContributionRate)
class ContributionRateAdmin(admin.ModelAdmin):
    list_display = ["fund", "party", "percent", "valid_from"]


@admin.register(BaseSalary)
class BaseSalaryAdmin(admin.ModelAdmin):
    list_display = ["amount", "valid_from"]


@admin.register(RegionalMinimumWage)
class RegionalMinimumWageAdmin(admin.ModelAdmin):
    list_display = ["zone", "amount", "valid_from"]
    list_filter = ["zone"]


@admin.register(PaperCutoff)
class PaperCutoffAdmin(admin.ModelAdmin):
    list_display = ["office", "starts_on"]
    autocomplete_fields = ["office"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the services only (audited there): viewed, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    list_display = ["transaction_code", "employer", "procedure_code", "status", "received_at"]
    list_filter = ["status", "procedure_code", "channel"]
    search_fields = ["transaction_code", "employer__unit_code"]
    exclude = ["envelope"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "issued_at"]


@admin.register(RegisteredCertificate)
class RegisteredCertificateAdmin(ReadOnlyAdmin):
    list_display = ["employer", "serial", "not_after", "registered_at", "replaced_at"]
    exclude = ["der"]


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ["employer", "status", "submitted_at", "decided_at"]
    exclude = ["cert_der"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["office", "kind", "started_at", "ended_at", "scope"]
