from django.contrib import admin

from accounts import audit

from .models import (
    AdoptionTarget,
    BaseSalary,
    CalendarSource,
    ContributionRate,
    Difficulty,
    DifficultyAttachment,
    Dossier,
    Employer,
    EmployerAssignment,
    EmployerMember,
    Incident,
    Notice,
    PaperCutoff,
    PortalRelease,
    ProcedureTimeLimit,
    PublicHoliday,
    RegionalMinimumWage,
    RegisteredCertificate,
    Registration,
    ReleaseDeployment,
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


@admin.register(PublicHoliday)
class PublicHolidayAdmin(admin.ModelAdmin):
    """Holidays and make-up working days of the working-day calendar (editable by admins)."""

    list_display = ["day", "name", "kind", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "day"
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        obj.source = CalendarSource.MANUAL  # a day edited by hand is never re-seeded over
        super().save_model(request, obj, form, change)
        audit.record(
            request.user,
            "calendar.day_changed" if change else "calendar.day_added",
            obj,
            None,
            {"day": obj.day, "kind": obj.kind, "name": obj.name},
        )

    def delete_model(self, request, obj):
        audit.record(request.user, "calendar.day_deleted", obj, None, {"day": obj.day})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record(request.user, "calendar.day_deleted", obj, None, {"day": obj.day})
        super().delete_queryset(request, queryset)


@admin.register(ProcedureTimeLimit)
class ProcedureTimeLimitAdmin(admin.ModelAdmin):
    list_display = ["procedure_code", "case", "label", "working_days", "valid_from"]
    list_filter = ["procedure_code"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            request.user,
            "time_limit.changed" if change else "time_limit.added",
            obj,
            None,
            {"procedure": obj.procedure_code, "case": obj.case, "days": obj.working_days},
        )


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


@admin.register(EmployerAssignment)
class EmployerAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["employer", "officer", "assigned_on"]
    autocomplete_fields = ["employer", "officer"]
    search_fields = ["employer__unit_code", "officer__username"]


@admin.register(AdoptionTarget)
class AdoptionTargetAdmin(ReadOnlyAdmin):
    list_display = ["office", "officer", "share", "due_on"]
    autocomplete_fields = ["office", "officer"]
    list_filter = ["due_on"]


class ReleaseDeploymentInline(admin.TabularInline):
    """Deployments are recorded (and audited) on the release deployment page."""

    model = ReleaseDeployment
    extra = 0
    readonly_fields = ["province", "deployed_on", "recorded_by"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PortalRelease)
class PortalReleaseAdmin(admin.ModelAdmin):
    list_display = ["version", "released_on", "deploy_by"]
    inlines = [ReleaseDeploymentInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            request.user,
            "release.changed" if change else "release.added",
            obj,
            None,
            {"version": obj.version, "released_on": obj.released_on, "deploy_by": obj.deploy_by},
        )


class DifficultyAttachmentInline(admin.TabularInline):
    model = DifficultyAttachment
    extra = 0


@admin.register(Difficulty)
class DifficultyAdmin(ReadOnlyAdmin):
    list_display = ["id", "subject", "category", "status", "office", "filed_at", "answered_at"]
    list_filter = ["category", "status"]
    search_fields = ["subject", "description"]
    raw_id_fields = ["employer", "filed_by", "answered_by", "office", "provider"]
    inlines = [DifficultyAttachmentInline]


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


from . import admin_trust  # noqa: E402, F401  (the licensed CAs: CA operations)
