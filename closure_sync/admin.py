"""Read-only admin views of closures, push jobs and imports (changes go through the pages)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import ClosureImport, ClosurePeriod, ClosureRecord, PushJob


class PeriodInline(admin.TabularInline):
    model = ClosurePeriod
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ClosureRecord)
class ClosureRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "version",
        "book_number",
        "office",
        "status",
        "confirmed_on",
        "push_state",
        "push_deadline",
        "central_receipt",
    )
    list_filter = ("status", "push_state", "origin", "kind")
    search_fields = ("reference", "book_number", "si_number", "unit_code")
    inlines = [PeriodInline]


@admin.register(PushJob)
class PushJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "office", "state", "total", "pushed", "already", "failed")
    list_filter = ("kind", "state")


@admin.register(ClosureImport)
class ClosureImportAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "file_name",
        "office",
        "state",
        "lines",
        "new_lines",
        "already_lines",
        "refused_lines",
        "created_at",
    )
    list_filter = ("state",)
    search_fields = ("file_name", "sha256")
    exclude = ("file",)  # the file is not served from the admin
