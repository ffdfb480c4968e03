"""Admin of difficulties: read only (written by the services, audited there)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from declarations.difficulties.models import Difficulty, DifficultyAttachment


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
