from django.contrib import admin, messages

from .models import OutboxMessage, OutboxState
from .services import outbox_replay


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "key", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["kind", "state"]
    search_fields = ["key"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["replay"]

    @admin.action(description="Replay dead-lettered messages")
    def replay(self, request, queryset):
        count = 0
        for message in queryset.filter(state=OutboxState.DEAD):
            outbox_replay(actor=request.user, message=message)
            count += 1
        self.message_user(request, f"{count} message(s) queued again.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
