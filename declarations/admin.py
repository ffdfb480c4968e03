from django.contrib import admin

from .models import (
    AdoptionTarget,
    CalendarSource,
    Difficulty,
    DifficultyAttachment,
    Employer,
    EmployerAssignment,
    EmployerMember,
    PortalRelease,
    ProcedureTimeLimit,
    PublicHoliday,
    ReleaseDeployment,
)


class EmployerMemberInline(admin.TabularInline):
    model = EmployerMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["unit_code", "name", "tax_code", "managing_office", "wage_zone"]
    search_fields = ["unit_code", "name", "tax_code"]
    list_filter = ["wage_zone"]
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


@admin.register(ProcedureTimeLimit)
class ProcedureTimeLimitAdmin(admin.ModelAdmin):
    list_display = ["procedure_code", "case", "label", "working_days", "valid_from"]
    list_filter = ["procedure_code"]


@admin.register(EmployerAssignment)
class EmployerAssignmentAdmin(admin.ModelAdmin):
    list_display = ["employer", "officer", "assigned_on"]
    autocomplete_fields = ["employer", "officer"]
    search_fields = ["employer__unit_code", "officer__username"]


@admin.register(AdoptionTarget)
class AdoptionTargetAdmin(admin.ModelAdmin):
    list_display = ["office", "officer", "share", "due_on"]
    autocomplete_fields = ["office", "officer"]
    list_filter = ["due_on"]


class ReleaseDeploymentInline(admin.TabularInline):
    model = ReleaseDeployment
    extra = 0
    autocomplete_fields = ["province"]


@admin.register(PortalRelease)
class PortalReleaseAdmin(admin.ModelAdmin):
    list_display = ["version", "released_on", "deploy_by"]
    inlines = [ReleaseDeploymentInline]


class DifficultyAttachmentInline(admin.TabularInline):
    model = DifficultyAttachment
    extra = 0


@admin.register(Difficulty)
class DifficultyAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "category", "status", "office", "filed_at", "answered_at"]
    list_filter = ["category", "status"]
    search_fields = ["subject", "description"]
    raw_id_fields = ["employer", "filed_by", "answered_by", "office", "provider"]
    inlines = [DifficultyAttachmentInline]
