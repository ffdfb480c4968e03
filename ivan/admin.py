"""Admin pages of providers, contracts and API clients. State changes go through the
audited services."""

from django.contrib import admin

from declarations.employers.models import EmployerChannel, Provider
from ivan import services
from ivan.models import ApiCall, ApiClient, ClientSecret, Contract, ProviderMember, WebhookEndpoint


class ProviderMemberInline(admin.TabularInline):
    model = ProviderMember
    extra = 0
    autocomplete_fields = ["user"]


class ContractInline(admin.TabularInline):
    model = Contract
    extra = 0
    readonly_fields = ["state"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "api_rate"]
    search_fields = ["code", "name"]
    inlines = [ContractInline, ProviderMemberInline]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["provider", "number", "valid_from", "valid_to", "state"]
    list_filter = ["state"]
    readonly_fields = ["state"]
    actions = ["suspend", "end", "reactivate"]

    def _set(self, request, queryset, state):
        for contract in queryset:
            services.contract_set_state(actor=request.user, contract=contract, state=state)

    @admin.action(description="Suspend (stops every token at once)")
    def suspend(self, request, queryset):
        self._set(request, queryset, "suspended")

    @admin.action(description="End the contract")
    def end(self, request, queryset):
        self._set(request, queryset, "ended")

    @admin.action(description="Reactivate")
    def reactivate(self, request, queryset):
        self._set(request, queryset, "active")


class ClientSecretInline(admin.TabularInline):
    model = ClientSecret
    extra = 0
    fields = ["label", "created_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # secrets are issued by the service, shown once


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["provider", "application", "sandbox", "scopes", "created_at"]
    list_filter = ["sandbox", "provider"]
    readonly_fields = ["provider", "application", "sandbox", "scopes", "created_at"]
    inlines = [ClientSecretInline]

    def has_add_permission(self, request):
        return False  # created with the service, which shows the secret once


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["provider", "url", "active", "created_at"]
    exclude = ["secret"]


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = ["client", "at", "action", "status_code", "error_code", "duration_ms"]
    list_filter = ["status_code", "error_code"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EmployerChannel)
class EmployerChannelAdmin(admin.ModelAdmin):
    list_display = ["employer", "provider"]
    autocomplete_fields = ["employer", "provider"]
