"""Admin of the remote signing accounts units registered (which CSC provider, which account)."""

from django.contrib import admin

from declarations.signing.models import RemoteSigningAccount


@admin.register(RemoteSigningAccount)
class RemoteSigningAccountAdmin(admin.ModelAdmin):
    list_display = ["employer", "provider", "user_ref", "certificate", "registered_at"]
    list_filter = ["provider"]
    search_fields = ["employer__unit_code", "user_ref"]
    raw_id_fields = ["employer", "certificate"]
