from django.contrib import admin

from .models import EmployerChannel, Provider, ProviderMember


class ProviderMemberInline(admin.TabularInline):
    model = ProviderMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    inlines = [ProviderMemberInline]


@admin.register(EmployerChannel)
class EmployerChannelAdmin(admin.ModelAdmin):
    list_display = ["employer", "provider"]
    autocomplete_fields = ["employer", "provider"]
