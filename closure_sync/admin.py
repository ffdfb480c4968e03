"""Read-only admin views of closures and push jobs (changes go through the pages)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import ClosurePeriod, ClosureRecord, PushJob


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
