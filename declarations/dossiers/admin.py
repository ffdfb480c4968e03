"""Admin of dossiers, notices, the agency's issued documents, incidents and the working-day
calendar (holidays and make-up working days, procedure time limits)."""

from django.contrib import admin

from accounts import audit
from core.admin import ReadOnlyAdmin
from declarations.dossiers.agency_documents import code_normalize
from declarations.dossiers.models import (
    AgencyCertificate,
    CalendarSource,
    Dossier,
    Incident,
    IssuedDocument,
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


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdmin):
    """The agency's signed documents, found by their verification code: viewed only, their
    signed content is never edited (a change would break the signature they were issued
    with)."""

    list_display = ["code", "kind", "number", "office", "employer", "issued_at", "signed"]
    list_filter = ["kind", "signed"]
    list_select_related = ["office", "employer"]
    search_fields = ["=code", "number"]
    date_hierarchy = "issued_at"
    show_full_result_count = False  # a count over every document on each search
    exclude = ["xml", "pdf"]

    def get_search_results(self, request, queryset, search_term):
        # A code as printed or typed (XXXX-XXXX-XXXX, lower case, O for 0) finds its document.
        return super().get_search_results(
            request, queryset, code_normalize(search_term) or search_term
        )


@admin.register(AgencyCertificate)
class AgencyCertificateAdmin(ReadOnlyAdmin):
    list_display = ["subject", "key_label", "fingerprint", "first_used_at"]
    search_fields = ["=fingerprint"]
