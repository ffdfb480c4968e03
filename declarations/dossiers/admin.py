"""Admin of dossiers, notices, incidents and the working-day calendar (holidays and make-up
working days, procedure time limits)."""

from django.contrib import admin

from accounts import audit
from core.admin import ReadOnlyAdmin
from declarations.dossiers.models import (
    CalendarSource,
    Dossier,
    Incident,
    Notice,
    PaperCutoff,
    ProcedureTimeLimit,
    PublicHoliday,
)


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


@admin.register(PaperCutoff)
class PaperCutoffAdmin(admin.ModelAdmin):
    list_display = ["office", "starts_on"]
    autocomplete_fields = ["office"]


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    list_display = ["transaction_code", "employer", "procedure_code", "status", "received_at"]
    list_filter = ["status", "procedure_code", "channel"]
    search_fields = ["transaction_code", "employer__unit_code"]
    exclude = ["envelope"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "issued_at"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["office", "kind", "started_at", "ended_at", "scope"]
